"""The blocks of :mod:`orch.parsing.blocks`, read from markdown-it-pyrs' tree (Rust, ~30x faster).

markdown-it-pyrs parses the same CommonMark (plus tables) as markdown-it-py and returns a node
tree with byte offsets. Texts are cut from the source lines the way markdown-it-py fills a
token's ``content`` (the raw source, list and quote indentation removed), so both readers give
the same blocks; ``tests/test_fastblocks.py`` checks that over every plan it can find.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from orch.parsing.blocks import Block, Fence, Heading, Item, Paragraph, Table

if TYPE_CHECKING:
    from collections.abc import Iterator

_LISTS = frozenset({"bullet_list", "ordered_list"})
_SKIPPED = frozenset({"table", "html_block", "code_block", "hr"})
_BLOCKS = _LISTS | _SKIPPED | {"paragraph", "heading", "lheading", "fence", "blockquote"}
_NEWLINE = re.compile(rb"\n")
_ATX_OPEN = re.compile(r"^[ \t]*#{1,6}(?=[ \t]|$)")
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it_pyrs import MarkdownIt

    # Block rules only: inline structure never matters to a plan (and costs time).
    return MarkdownIt("zero").enable_many(
        [
            *("blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph"),
            *("reference", "html_block", "table"),
        ]
    )


def available() -> bool:
    """Whether markdown-it-pyrs can be imported here."""
    try:
        _parser()
    except ImportError:
        return False
    return True


def walk_fast(text: str) -> list[Block] | None:
    """The blocks of ``text`` (already newline-normalised), or ``None`` when this reader cannot
    take it (markdown-it-pyrs missing, or text that is not valid Unicode)."""
    try:
        data = text.encode("utf-8")
        parser = _parser()
    except (UnicodeEncodeError, ImportError):
        return None
    try:
        tree = parser.tree(text)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - a Rust panic arrives as pyo3's PanicException
        return None
    try:
        return _Reader(data).read(tree)
    except RecursionError:  # thousands of nested quotes or lists: the reference reader caps depth
        return None
    except UnicodeDecodeError:  # a position that falls inside a character (a tab before a
        return None  # multi-byte one is counted as columns): the reference reader decides


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.starts = [0] + [match.end() for match in _NEWLINE.finditer(data)]
        self.blocks: list[Block] = []
        self.stack: list[Item] = []
        self.quote = 0

    def read(self, root: Any) -> list[Block]:
        for child in root.children:
            self._node(child)
        return self.blocks

    def _line(self, offset: int) -> int:
        """1-based line of a byte offset."""
        return bisect_right(self.starts, offset)

    def _lines(self, start: int, last_line: int) -> str:
        """Source text from byte ``start`` to the end of ``last_line``, indentation removed."""
        first_line = self._line(start)
        pieces = []
        for line in range(first_line, last_line + 1):
            begin = start if line == first_line else self.starts[line - 1]
            end = self.starts[line] - 1 if line < len(self.starts) else len(self.data)
            piece = self.data[begin:end].decode("utf-8")
            if line != first_line:
                piece = self._unindent(piece)
            pieces.append(piece)
        return "\n".join(pieces).strip()

    def _unindent(self, piece: str) -> str:
        piece = piece.lstrip(" \t")
        for _ in range(self.quote):
            if not piece.startswith(">"):
                break
            piece = piece[1:].lstrip(" \t")
        return piece

    def _node(self, node: Any) -> None:
        name = node.name
        if name in _LISTS:
            for child in node.children:
                self._item(child)
        elif name == "blockquote":
            self.quote += 1
            for child in node.children:
                self._node(child)
            self.quote -= 1
        elif name == "paragraph":
            start, end = node.srcmap
            self._paragraph(self._line(start), self._lines(start, self._line(end - 1)))
        elif name in ("heading", "lheading"):
            self._heading(node, name)
        elif name == "fence":
            self._fence(node)
        elif name == "table" and not self.stack and not self.quote:
            start, end = node.srcmap
            rows = self._lines(start, self._line(end - 1)).split("\n")
            self.blocks.append(Table(self._line(start), "\n".join(row.strip() for row in rows)))

    def _paragraph(self, line: int, content: str) -> None:
        if self.stack:
            owner = self.stack[-1]
            if not owner.text and line == owner.line and not owner.children:
                owner.text = content
            else:
                owner.paragraphs.append(Paragraph(line, content))
        elif not self.quote:
            self.blocks.append(Paragraph(line, content))

    def _heading(self, node: Any, name: str) -> None:
        start, end = node.srcmap
        line = self._line(start)
        if name == "lheading":
            content = self._lines(start, self._line(end - 1) - 1)
        else:
            content = self._unindent(self._lines(start, line))
            content = _ATX_CLOSE.sub("", _ATX_OPEN.sub("", content, count=1)).strip()
        if self.stack:
            self.stack[-1].paragraphs.append(Paragraph(line, content))
        elif not self.quote:
            self.blocks.append(Heading(line, int(node.meta["level"]), content))

    def _fence(self, node: Any) -> None:
        meta = node.meta
        info = str(meta.get("info", "")).strip().split(maxsplit=1)
        fence = Fence(self._line(node.srcmap[0]), info[0].lower() if info else "", meta["content"])
        if self.stack:
            self.stack[-1].fences.append(fence)
        else:
            self.blocks.append(fence)

    def _item(self, node: Any) -> None:
        start, end = node.srcmap
        item = Item(line=self._line(start))
        if self.stack:
            self.stack[-1].children.append(item)
        else:
            self.blocks.append(item)
        self.stack.append(item)
        for kind, run in _runs(node.children):
            if kind == "inline":
                first = run[0].srcmap[0]
                following = run[-1]  # the block after the run, or the run's own last node
                if following.name in _BLOCKS:
                    last_line = self._line(following.srcmap[0]) - 1
                    run = run[:-1]
                else:
                    last_line = self._line(end - 1)
                self._paragraph(self._line(first), self._lines(first, last_line))
                if following.name in _BLOCKS:
                    self._node(following)
            else:
                self._node(run[0])
        self.stack.pop()


def _runs(children: list[Any]) -> Iterator[tuple[str, list[Any]]]:
    """Group a tight list item's children: runs of inline nodes (plus the block that ends each
    run, to know where the run stops), and block nodes on their own."""
    run: list[Any] = []
    for child in children:
        if child.name in _BLOCKS:
            if run:
                yield "inline", [*run, child]
                run = []
            else:
                yield "block", [child]
        else:
            run.append(child)
    if run:
        yield "inline", run
