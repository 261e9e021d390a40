"""Checks derived from a task's own words: the files it names must exist, and those it makes or
edits must have changed during the task.

The rule (documented in docs/verification.md):

- Paths come from ``files:`` and from the task's text: backticked paths, ``dir/name.ext`` words
  and bare file names with a known extension (``quickstart.md``, ``Program.cs``).
- A path right after a reference word (``per plan.md``, ``from spec.md``, ``using``,
  ``for``, ``see``, ``defined in`` …) is something the task reads: no check.
- The task's verb decides the rest: its first word when that is a known verb, else the first
  making or removing verb before the path. Reading verbs (run, review, verify, check, inspect,
  test, compare, measure, parse, lint …; only as the first word) → the file must exist.
  Removing verbs (remove, delete, drop) → it must have changed (a deletion is a change). Any
  other verb (create, add, implement, write, update, fix …, and spec-kit's verb-less
  "Contract test X in tests/x.py") → it must exist afterwards and have changed during the task.
- A directory (``src/models/``) must exist afterwards and, unless a reading verb names it, have
  been created by the task or had a file in it created or changed.

Pure: text in, checks out; measuring them is :mod:`orch.runner.filechecks`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from orch.domain.plan import Task


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class FileRule(StrEnum):
    """What orch checks about one named path after the task."""

    CHANGED = "changed"
    """Exists afterwards and changed during the task."""
    EXISTS = "exists"
    REMOVED_OR_CHANGED = "touched"
    """Changed during the task (deleted counts)."""
    CHANGED_IN = "changed-in"
    """A directory: exists afterwards, and was created or had a file in it changed."""


@dataclass(frozen=True)
class FileCheck:
    """One derived check: a path (relative to the project) and the rule for it."""

    path: str
    rule: FileRule

    @property
    def command(self) -> str:
        """How the check reads in evidence and prompts: ``changed src/x.py``."""
        return f"{self.rule.value} {self.path}"


READ_VERBS = _words(
    "run execute review read verify check inspect test validate confirm compare measure audit "
    "analyze analyse profile benchmark evaluate ensure examine assess study investigate "
    "smoke-test look consult open parse lint scan grep search load list count print show "
    "query install"
)
REMOVE_VERBS = _words("remove delete drop")
CHANGE_VERBS = _words(
    "create add implement write update modify edit refactor fix build make generate extend "
    "rename move replace configure setup set integrate wire rewrite migrate document scaffold "
    "define introduce register extract split convert port adjust change append insert bump "
    "initialize initialise install enable disable expose handle support apply improve"
)
REFERENCE_WORDS = _words(
    "per from using see following against for with like by via matching mirroring "
    "according based than vs versus"
)
REFERENCE_BEFORE_IN = _words(
    "defined described specified documented listed outlined referenced shown given "
    "detailed noted found existing"
)
FILE_EXTENSIONS = _words(
    "py pyi ts tsx js jsx mjs cjs md mdx rst txt json jsonc yaml yml toml ini cfg conf env go "
    "rs java kt kts scala cs fs vb cpp cc cxx c h hpp hh m mm swift rb php html htm css scss "
    "sass less vue svelte astro sh bash zsh ps1 bat sql graphql gql proto xml gradle lock csv "
    "tsv dart ex exs erl hs ml lua r pl tf tfvars hcl dockerfile ipynb cmake mk sln csproj "
    "props plist xib storyboard resx razor cshtml jinja j2 tpl mustache hbs mmd bicep puml "
    "prisma svg http rego nix zig sol vy cue jsonnet adoc tex"
)
EXTENSIONLESS_NAMES = _words(
    "Dockerfile Makefile Justfile Procfile Gemfile Rakefile Vagrantfile Jenkinsfile"
)
DOTFILES = _words(
    ".gitignore .gitattributes .editorconfig .dockerignore .npmrc .nvmrc .yarnrc .eslintrc "
    ".eslintignore .prettierrc .prettierignore .babelrc .browserslistrc .stylelintrc "
    ".python-version .tool-versions .pre-commit-config.yaml .gitmodules .mailmap .htaccess"
)
NOT_FILES = _words(
    "node.js next.js vue.js nuxt.js react.js express.js d3.js chart.js three.js nest.js "
    "socket.io asp.net ado.net vb.net e.g. i.e. etc. vs. a.k.a."
)
_WORD = re.compile(r"`[^`\n]+`|[A-Za-z0-9_./\-+@{},~!?:;'\"()\[\]<>*=$|#%&^\\]+")
"""A backticked span, or a run of ASCII non-space characters: CJK text and full-width
punctuation around a path (``（backend/routes/api.php に``) separate words too."""
_BRACES = re.compile(r"\{([^{}]*,[^{}]*)\}")
_STRIP = "\"'.,;:!?()[]{}<>*"
_LEAD = "\"'(<[{*"
_PATH_PART = re.compile(r"[\w.\-+@]+")
_PLACEHOLDER = re.compile(r"[<>{}\[\]*?$|]|\.\.\.|…|^https?:|://|^[#@~]")


def derive_file_checks(task: Task) -> list[FileCheck]:
    """The file checks for ``task``, in the order its paths first appear; one per path."""
    return list(_derive(task.title, tuple(task.files)))


@lru_cache(maxsize=32768)
def _derive(title: str, files: tuple[str, ...]) -> tuple[FileCheck, ...]:
    # Cached: validate, the dry run and the scheduler each ask again for the same task.
    checks: dict[str, FileCheck] = {}
    if files:
        listed_kind = _listed_kind(title)
        for path in files:
            clean = _clean_path(path)
            if clean and clean not in checks:
                checks[clean] = FileCheck(clean, _rule_for(clean, listed_kind))
    if _may_name_path(title):
        for path, verb_kind in _paths_in_text(title):
            if path not in checks:
                checks[path] = FileCheck(path, _rule_for(path, verb_kind))
    return tuple(checks.values())


def task_paths(task: Task) -> set[str]:
    """The paths a task names (its ``files:`` and paths in its text): two tasks whose paths
    overlap never run at once. The scheduler and ``orch graph --format batches`` both ask this."""
    return {check.path for check in derive_file_checks(task)}


CHANGE_VERBS_DEFAULT = "change"


def _listed_kind(title: str) -> str:
    """The verb kind for ``files:`` entries: the title's first word when it is a known verb
    (a "Review the change" task only reads what it lists), else a change."""
    found = _WORD.search(title)
    first = found.group(0) if found else ""
    if first.startswith("`"):
        return CHANGE_VERBS_DEFAULT
    return _verb_kind(first.strip(_STRIP).lower(), first=True) or CHANGE_VERBS_DEFAULT


def _paths_in_text(text: str) -> list[tuple[str, str]]:
    """``(path, verb kind)`` for each path-like word of ``text`` that is not a reference.

    Paths inside parentheses are asides (``service.yaml (all-in-one.yaml)``): they count only
    when the text names no path outside them."""
    found: list[tuple[str, str]] = []
    aside: list[tuple[str, str]] = []
    words: list[str] = []
    verb_kind: str | None = None
    depth = 0
    for match in _WORD.finditer(text):
        token = match.group(0)
        inside = depth > 0 or token.startswith(("(", "（"))
        depth = max(0, depth + token.count("(") + token.count("（")
                    - token.count(")") - token.count("）"))
        backticked = token.startswith("`")
        raw = token.strip("`") if backticked else token
        if not backticked:
            plain = raw.strip(_STRIP).lower()
            if verb_kind is None:
                verb_kind = _verb_kind(plain, first=not words)
        elided = text[match.end():match.end() + 1] == "…" or raw.endswith("...")
        if _may_name_path(raw) and not _is_reference(words) and not elided:
            for path in _expand(raw, backticked=backticked):
                (aside if inside else found).append((path, verb_kind or CHANGE_VERBS_DEFAULT))
        words.append(raw.strip(_STRIP).lower())
    return found or aside


def _may_name_path(raw: str) -> bool:
    """Cheap pre-test: every path :func:`_clean_path` accepts holds a ``.`` (an extension, a
    dotfile), a ``/`` (a directory) or ``file`` (``Makefile``); braces may assemble one."""
    return "." in raw or "/" in raw or "file" in raw or "{" in raw


def _verb_kind(word: str, *, first: bool) -> str | None:
    """A reading verb counts only as the task's first word: later, ``test``, ``audit`` or
    ``review`` are as often nouns ("Integration test … audit filter in x.tsx")."""
    if word in READ_VERBS and first:
        return "read"
    if word in REMOVE_VERBS:
        return "remove"
    if word in CHANGE_VERBS:
        return "change"
    return None


def _is_reference(words_before: list[str]) -> bool:
    """Whether the word(s) just before a path make it something the task only reads."""
    if not words_before:
        return False
    last = words_before[-1]
    if last in REFERENCE_WORDS or last.startswith("-"):
        return True  # `per plan.md`, or a command-line flag's argument (`pip install -r x`)
    if (len(words_before) >= 2 and last in ("in", "at", "by", "to")
            and words_before[-2] in REFERENCE_BEFORE_IN):
        return True
    return len(words_before) >= 2 and (words_before[-2], last) in (
        ("according", "to"), ("based", "on"), ("as", "in"), ("same", "as"))


def _expand(raw: str, *, backticked: bool) -> list[str]:
    """The paths ``raw`` names: ``src/{a,b}.ts`` is ``src/a.ts`` and ``src/b.ts``."""
    match = _BRACES.search(raw.strip().rstrip(_STRIP.replace("}", "")))
    if match is None:
        path = _as_path(raw, backticked=backticked)
        return [path] if path is not None else []
    text = raw.strip()
    found = []
    for choice in match.group(1).split(","):
        path = _as_path(text[:match.start()] + choice.strip() + text[match.end():],
                        backticked=True)
        if path is not None:
            found.append(path)
    return found


def _as_path(raw: str, *, backticked: bool) -> str | None:
    """``raw`` as a project path, or ``None`` when it is not one."""
    text = raw.strip()
    if backticked and (" " in text or not text):
        return None
    return _clean_path(text, explicit=backticked)


def _clean_path(text: str, *, explicit: bool = True) -> str | None:
    """``text`` as a path; an extensionless path counts only when ``explicit`` (``files:``, a
    backticked word) or written with a trailing ``/`` — ``new/modified`` is prose."""
    text = text.strip().lstrip(_LEAD).rstrip(_STRIP)
    if text.startswith("./"):
        text = text[2:]
    if not text or text.startswith(("/", "-", "../")) or _PLACEHOLDER.search(text):
        return None
    if text.lower() in NOT_FILES or "=" in text or "(" in text:
        return None
    parts = text.rstrip("/").split("/")
    name = parts[-1]
    if not name or not all(map(_PATH_PART.fullmatch, parts)):
        return None
    stem, dot, ext = name.rpartition(".")
    if dot and ext.lower() in FILE_EXTENSIONS and (stem or name.startswith(".")):
        return text
    if name in DOTFILES or name.startswith(".env"):
        return text
    if name in EXTENSIONLESS_NAMES:
        return text
    if "/" in text and not dot and (explicit or text.endswith("/")) and _directory_like(text):
        return text.rstrip("/") + "/"  # a directory, or a path without an extension
    return None


_ID_SHAPED = re.compile(r"[A-Z]+(?:-[A-Z0-9]+)*-?\d+[a-z]?")
"""``D-DS-1``, ``FR-001``: requirement and decision IDs, not directory names."""


def _directory_like(text: str) -> bool:
    """Whether an extensionless ``a/b`` names a directory: ASCII parts that are not IDs
    (``D-DS-1/D-DS-2`` and ``認証/認可`` are prose)."""
    parts = [part for part in text.split("/") if part]
    return all(part.isascii() and not _ID_SHAPED.fullmatch(part) for part in parts)


def _rule_for(path: str, verb_kind: str) -> FileRule:
    if verb_kind == "read":
        return FileRule.EXISTS
    if path.endswith("/"):
        return FileRule.CHANGED_IN
    if verb_kind == "remove":
        return FileRule.REMOVED_OR_CHANGED
    return FileRule.CHANGED
