"""Checks that cannot fail: ``verify:`` and ``**Gate**:`` commands whose exit status lies.

orch runs every check with ``bash -o pipefail`` and trusts its exit status, so a command that
exits 0 whatever happened makes "verified" meaningless. Four shapes are flagged
(docs/verification.md):

- ``cmd || true`` (or ``|| :``) at the end of the command: the failure is swallowed;
- ``cmd; exit 0`` (or ``; true``) at the end: the status is overwritten;
- a ``for`` loop whose body never exits or returns on failure: the loop's status is its last
  iteration's, so every earlier failure is lost;
- a leading ``!`` on a command that may not exist (a program other than a shell builtin, or a
  script path): bash's 127 "command not found", or a runner's "file not found", is inverted
  into success. Assert a failure by its exit code instead: ``pytest -q t.py; test $? -eq 1``.

The command is split with :mod:`shlex` into shell words and operators; compound commands
(``for … done``, ``if … fi``, ``{ … }``, ``( … )``) are kept whole when the command is cut at
its top-level ``;``, ``&&``, ``||`` and newlines. A command shlex cannot split (an unbalanced
quote) is left alone: bash would reject it and the check would fail anyway.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

SEPARATORS = frozenset({";", "&&", "||", "\n", "&", ";;"})
_OPENERS = {"for": "done", "while": "done", "until": "done", "if": "fi", "case": "esac",
            "{": "}", "(": ")"}
_CLOSERS = frozenset(_OPENERS.values())
_STARTS = SEPARATORS | {"do", "then", "else", "elif", "{", "(", "!"}
SURE_COMMANDS = frozenset({
    "test", "[", "[[", "true", "false", ":", "grep", "diff", "cmp", "cd", "echo", "printf",
    "read", "type", "command",
})
"""Shell builtins and utilities every system has: ``! cmd`` inverts only their own answer."""


@dataclass(frozen=True)
class Lie:
    """One way a check command can pass without checking anything."""

    message: str
    hint: str


def lint_check(command: str) -> list[Lie]:
    """The ways ``command`` can exit 0 whatever it checks; empty when it can fail honestly."""
    words = _words(command)
    if not words:
        return []
    elements, separators = _split(words)
    found: list[Lie] = []
    if separators and elements:
        last, before = elements[-1], separators[-1]
        if before == "||" and last in (["true"], [":"]):
            found.append(Lie("`|| true` makes it exit 0 when the command fails",
                             "drop `|| true`; a check must fail when what it checks is wrong"))
        if before in (";", "\n") and last in (["exit", "0"], ["true"], [":"]):
            found.append(Lie(f"`; {' '.join(last)}` makes it exit 0 whatever came before",
                             "end the check with the command whose status matters"))
    strict = False
    for element in elements:
        strict = strict or _sets_errexit(element)
        if element and element[0] == "for" and not strict and not _exits_on_failure(element):
            found.append(Lie("its `for` loop keeps only the last iteration's status",
                             "stop at the first failure: `do cmd \"$x\" || exit 1; done`"))
        if element and element[0] == "!" and _may_not_exist(element[1:]):
            name = element[1] if len(element) > 1 else ""
            found.append(Lie(f"`! {name}` turns a missing command or file (exit 127) into a pass",
                             "assert the failure's exit code instead, e.g. "
                             "`pytest -q tests/test_x.py; test $? -eq 1`"))
    return found


def _words(command: str) -> list[str]:
    lexer = shlex.shlex(command.replace("\n", " ; "), posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        return []


def _split(words: list[str]) -> tuple[list[list[str]], list[str]]:
    """Top-level list elements and the separators between them."""
    elements: list[list[str]] = [[]]
    separators: list[str] = []
    closing: list[str] = []
    for word in words:
        at_start = not elements[-1] or elements[-1][-1] in _STARTS
        if word in _OPENERS and (at_start or word == "("):
            closing.append(_OPENERS[word])
        elif closing and word == closing[-1]:
            closing.pop()
        if not closing and word in SEPARATORS:
            separators.append(word)
            elements.append([])
            continue
        elements[-1].append(word)
    return [element for element in elements if element], separators[: len(elements) - 1]


def _sets_errexit(element: list[str]) -> bool:
    """``set -e``, ``set -euo pipefail``, ``set -o errexit``: a failing iteration ends it."""
    if element[:1] != ["set"]:
        return False
    flags = [word for word in element[1:] if word.startswith("-") and not word.startswith("--")]
    return "errexit" in element or any("e" in flag for flag in flags if flag != "-o")


def _exits_on_failure(loop: list[str]) -> bool:
    return any(word in ("exit", "return") for word in loop)


def _may_not_exist(command: list[str]) -> bool:
    return bool(command) and command[0] not in SURE_COMMANDS
