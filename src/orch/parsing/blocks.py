"""Walk markdown-it's token stream into the few block kinds a plan is made of.

Only headings, paragraphs, list items and fenced code blocks matter to the plan grammar. Tables,
HTML blocks and indented code are skipped whole, so nothing inside them can ever become a task.
Line numbers are 1-based source lines (markdown-it's ``map`` is 0-based).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@dataclass(slots=True)
class Heading:
    """An ATX or setext heading outside any list or quote."""

    line: int
    level: int
    text: str


@dataclass(slots=True)
class Paragraph:
    """A paragraph outside any list item; ``text`` keeps its source line breaks."""

    line: int
    text: str


@dataclass(slots=True)
class Fence:
    """A fenced code block: ``info`` is the first word of its info string, lower-cased."""

    line: int
    info: str
    content: str


@dataclass(slots=True)
class Item:
    """A list item: its first paragraph, then what is nested inside it."""

    line: int
    text: str = ""
    children: list[Item] = field(default_factory=list)
    fences: list[Fence] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass(slots=True)
class Table:
    """A table outside any list or quote: never tasks, but its rows' IDs are checked."""

    line: int
    text: str


Block = Heading | Paragraph | Fence | Item | Table


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # Only block structure matters: inline parsing (the costliest pass) is switched off.
    return MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])


_SKIP_CLOSE = {"table_open": "table_close"}


_NEWLINES = re.compile(r"\r\n?")


def walk(text: str) -> list[Block]:
    """The top-level blocks of ``text`` in document order; list items carry their nesting.

    markdown-it-pyrs reads the text when it is installed (the fast path); markdown-it-py reads
    it otherwise, and wherever the fast reader cannot take the text.
    """
    from orch.parsing.fastblocks import walk_fast

    text = _NEWLINES.sub("\n", text).replace("\0", "\ufffd")
    if not text.endswith("\n"):
        text += "\n"  # an unclosed fence at the end then reads the same in both readers
    fast = walk_fast(text)
    return fast if fast is not None else walk_reference(text)


def flush_left(content: str) -> str:
    """``content`` with the leading blanks of every line after the first removed: a paragraph's
    continuation lines mean the same however far they are indented."""
    if "\n" not in content:
        return content
    first, *rest = content.split("\n")
    return "\n".join([first, *(line.lstrip(" \t") for line in rest)])


def walk_reference(text: str) -> list[Block]:
    """:func:`walk` with markdown-it-py: the reference reader, pure Python."""
    tokens = _parser().parse(text)
    blocks: list[Block] = []
    stack: list[Item] = []
    quote_depth = 0
    source_lines: list[str] = []
    index = 0
    count = len(tokens)
    while index < count:
        token = tokens[index]
        kind = token.type
        line = token.map[0] + 1 if token.map else 0
        if kind in _SKIP_CLOSE:
            closing = _SKIP_CLOSE[kind]
            if token.map and not stack and not quote_depth:
                source_lines = source_lines or text.split("\n")
                source = source_lines[token.map[0] : token.map[1]]
                blocks.append(Table(line, "\n".join(row.strip() for row in source)))
            while index < count and tokens[index].type != closing:
                index += 1
        elif kind == "list_item_open":
            item = Item(line=line)
            if stack:
                stack[-1].children.append(item)
            else:
                blocks.append(item)
            stack.append(item)
        elif kind == "list_item_close":
            if stack:
                stack.pop()
        elif kind == "blockquote_open":
            quote_depth += 1
        elif kind == "blockquote_close":
            quote_depth = max(0, quote_depth - 1)
        elif kind == "heading_open" and index + 1 < count:
            content = flush_left(tokens[index + 1].content)
            if stack:
                stack[-1].paragraphs.append(Paragraph(line, content))
            elif not quote_depth:
                blocks.append(Heading(line, int(token.tag[1:]), content.strip()))
            index += 2
        elif kind == "paragraph_open" and index + 1 < count:
            content = flush_left(tokens[index + 1].content)
            if stack:
                owner = stack[-1]
                if not owner.text and line == owner.line and not owner.children:
                    owner.text = content
                else:
                    owner.paragraphs.append(Paragraph(line, content))
            elif not quote_depth:
                blocks.append(Paragraph(line, content))
            index += 2
        elif kind == "fence":
            info = token.info.strip().split(maxsplit=1)
            fence = Fence(line, info[0].lower() if info else "", token.content)
            if stack:
                stack[-1].fences.append(fence)
            else:
                blocks.append(fence)
        index += 1
    return blocks
