"""Running a shell block without the shell, where the shell would add nothing (as make does).

``bash -e -c 'mkdir -p src/models'`` starts bash, which parses one simple command and then
replaces itself with ``mkdir`` (bash's one-command ``exec``). Starting bash costs about as much
as starting the command itself, and a plan's setup tasks are often just such commands. A bash
block that is a single simple command made of plain words (no quoting, expansion, redirection,
globbing, assignment, operator or comment; not a shell builtin or keyword) is therefore run
directly, in the environment bash would have given it (``PWD``, ``SHLVL``, ``_``), with the
same process, exit status and output.

Anything else, or anything this module is not sure of (a relative ``PATH`` entry, exported
shell functions, ``BASH_ENV``, a variable bash sets itself, an ``LC_ALL`` the C library cannot
load, a script without ``#!``), runs through the shell as before, and so does a program the
kernel refuses to start (the shell decides what that means: 126, 127, or running the file
itself). ``sh`` blocks always run in ``sh``: dash does not replace itself with a command (it
stays the program's parent and reports a signal as ``128+n`` with a message).

Two differences are left: in some settings bash exports the terminal size it read from terminfo
(``LINES``, ``COLUMNS``) before it execs, and bash passes the variables on in the order of its
own hash table; a program run directly sees the environment without those two and in orch's
order (nothing should depend on the order of the environment).
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass

_PLAIN = re.compile(r"[ \t\n]*([A-Za-z0-9_@%+=:,./-]+(?: +[A-Za-z0-9_@%+=:,./-]+)*)[ \t]*\n?")
"""Words the shell passes on unchanged: no quote, ``$``, glob, brace, tilde, redirection,
operator, comment or escape can appear in them. Before them any blank lines; after them at
most one newline: with anything more left to read, bash runs the command as its child."""
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SHELL_WORDS = frozenset({
    ".", ":", "[", "alias", "bg", "bind", "break", "builtin", "caller", "cd", "command",
    "compgen", "complete", "compopt", "continue", "declare", "dirs", "disown", "echo", "enable",
    "eval", "exec", "exit", "export", "false", "fc", "fg", "getopts", "hash", "help", "history",
    "jobs", "kill", "let", "local", "logout", "mapfile", "popd", "printf", "pushd", "pwd", "read",
    "readarray", "readonly", "return", "set", "shift", "shopt", "source", "suspend", "test",
    "times", "trap", "true", "type", "typeset", "ulimit", "umask", "unalias", "unset", "wait",
    "if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do",
    "done", "in", "function", "time", "{", "}", "!", "[[", "]]", "coproc",
})
"""bash's builtins and reserved words (``compgen -b -k``): the shell runs these itself."""
_CHANGES_THE_SHELL = frozenset({
    "BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "POSIXLY_CORRECT", "BASH_COMPAT", "BASH_XTRACEFD",
    "EXECIGNORE", "BASH", "BASHPID", "BASH_ALIASES", "BASH_ARGC", "BASH_ARGV", "BASH_ARGV0",
    "BASH_CMDS", "BASH_COMMAND", "BASH_EXECUTION_STRING", "BASH_LINENO", "BASH_MONOSECONDS",
    "BASH_REMATCH", "BASH_SOURCE", "BASH_SUBSHELL", "BASH_TRAPSIG", "BASH_VERSINFO",
    "BASH_VERSION", "COMP_WORDBREAKS", "DIRSTACK", "EPOCHREALTIME", "EPOCHSECONDS", "EUID",
    "FUNCNAME", "GROUPS", "HISTCMD", "IFS", "LINENO", "OPTERR", "OPTIND", "PIPESTATUS", "PPID",
    "PS4", "RANDOM", "SECONDS", "SRANDOM", "UID",
})
"""Environment that makes the shell do more than exec the command (a start-up file, xtrace, a
warning), or that bash sets, rewrites or drops itself before passing the environment on."""
_SHLVL = re.compile(r"0|[1-9][0-9]{0,2}")
"""A ``SHLVL`` bash passes on as it is (it rewrites ``05``, other digits, and 999 and up)."""


@dataclass(frozen=True)
class DirectCommand:
    """A block to run without the shell: the program, its argv and its whole environment."""

    executable: str
    argv: list[str]
    env: dict[str, str]


def direct_command(command: str, shell: str, cwd: str,
                   env: Mapping[str, str]) -> DirectCommand | None:
    """How to run ``command`` (given to ``<shell> -e -c``) without the shell, or ``None`` when
    the shell must run it. ``env`` is the whole environment the shell would get."""
    if os.path.basename(shell) != "bash":
        return None  # dash (sh) runs a command as its child: a program run directly would not
    plain = _PLAIN.fullmatch(command)
    if plain is None:
        return None
    argv = plain.group(1).split()
    name = argv[0]
    if "=" in name or name.startswith(("%", "-", "+")) or name in _SHELL_WORDS:
        return None  # %1 is a job; a block starting with - or + is the shell's own options
    if not _CHANGES_THE_SHELL.isdisjoint(env) or \
            any(not _IDENTIFIER.fullmatch(key) for key in env):  # BASH_FUNC_f%%, odd names
        return None
    if env.get("LC_ALL") and not _locale_loads(env["LC_ALL"]):
        return None  # bash warns on stderr that it cannot set it
    level = env.get("SHLVL")
    if level is not None and not (_SHLVL.fullmatch(level) and int(level) < 999):
        return None  # bash would rewrite it (and warn past 999)
    if "PATH" not in env:
        return None  # bash searches its own default PATH, ending in "."
    if _find_shell(shell, cwd if "/" in shell else "", env["PATH"]) is None:
        return None  # no shell to stand in for: the block fails as every other block does
    found = _find(name, cwd, env["PATH"])
    if found is None or not _executes_itself(found):
        return None
    executable = name if "/" in name else found  # bash execs ./x as ./x: the script's $0
    return DirectCommand(executable, argv, _shell_env(cwd, env, executable))


def _find(name: str, cwd: str, path: str) -> str | None:
    """The program ``name`` names, as the shell's ``PATH`` search would find it."""
    if "/" in name:
        candidate = os.path.join(cwd, name)
        return candidate if _runnable(candidate) else None
    folders = path.split(os.pathsep)
    if any(not os.path.isabs(folder) for folder in folders):
        return None  # "" or "bin" are searched from the command's directory: the shell decides
    for folder in folders:
        candidate = os.path.join(folder, name)
        if _runnable(candidate):
            return candidate
    return None


@functools.lru_cache(maxsize=16)
def _locale_loads(name: str) -> bool:
    """Whether the C library can load locale ``name`` (asked without changing orch's own)."""
    if name in {"C", "POSIX"}:
        return True
    if not sys.platform.startswith("linux"):
        return False  # in doubt: the shell runs the block
    import ctypes  # only when LC_ALL is set: orch starts without it
    import locale

    try:
        libc = ctypes.CDLL(None)
        libc.newlocale.restype = ctypes.c_void_p
        libc.newlocale.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p]
        libc.freelocale.argtypes = [ctypes.c_void_p]
        handle = libc.newlocale(1 << locale.LC_CTYPE, name.encode(), None)
    except (OSError, AttributeError, UnicodeEncodeError):
        return False
    if not handle:
        return False
    libc.freelocale(handle)
    return True


@functools.lru_cache(maxsize=64)
def _find_shell(shell: str, cwd: str, path: str) -> str | None:
    """:func:`_find` for the shell, which stays where it is for a run (asked once)."""
    return _find(shell, cwd, path)


def _runnable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _executes_itself(path: str) -> bool:
    """A binary or a ``#!`` script: a file without either, the shell runs as a script itself."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError:
        return False
    return head.startswith((b"#!", b"\x7fELF"))


def _shell_env(cwd: str, env: Mapping[str, str], executable: str) -> dict[str, str]:
    """What bash itself would have passed on: ``PWD`` naming the directory (kept when it
    already does), ``SHLVL`` (0 when unset: the one-command exec undoes its increment) and ``_``
    (the program's path), without ``PS1``/``PS2`` or an ``OLDPWD`` that names no directory."""
    result = dict(env)
    pwd = env.get("PWD")
    if not (pwd and os.path.isabs(pwd) and _same_directory(pwd, cwd)):
        result["PWD"] = os.path.realpath(cwd)
    for prompt in ("PS1", "PS2"):  # a non-interactive bash unsets its prompts
        result.pop(prompt, None)
    oldpwd = result.get("OLDPWD")
    if oldpwd is not None and not (oldpwd and os.path.isdir(os.path.join(cwd, oldpwd))):
        del result["OLDPWD"]  # bash drops an OLDPWD that names no directory (from its cwd)
    result.setdefault("SHLVL", "0")
    result["_"] = executable
    return result


def _same_directory(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False
