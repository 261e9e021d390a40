"""The ``orch`` console script and ``python -m orch``: starts ``orch mcp``'s handshake front
before the CLI framework is imported, then runs the CLI (:func:`orch.cli.main.main`).

Importing the CLI (typer and the command table) takes most of ``orch mcp``'s time to its first
answer (docs/mcp.md, "Start-up"); the front needs none of it. It is started early only when
the arguments can mean nothing but ``orch mcp``; the CLI still parses them and runs the
command, which takes the running front over.
"""

from __future__ import annotations

import sys

_GLOBAL_WITH_VALUE = ("-C", "--project-dir")


def is_mcp_invocation(args: list[str]) -> bool:
    """Whether ``args`` is ``[-C DIR | --project-dir DIR | --debug]… mcp [--plan PLAN]``."""
    index = 0
    while index < len(args) and args[index] != "mcp":
        arg = args[index]
        if arg in _GLOBAL_WITH_VALUE:
            index += 2
        elif arg == "--debug" or arg.startswith("--project-dir="):
            index += 1
        else:
            return False
    rest = args[index + 1:]
    return index < len(args) and (
        not rest or (len(rest) == 2 and rest[0] == "--plan")
        or (len(rest) == 1 and rest[0].startswith("--plan=")))


def main() -> None:
    """Run the ``orch`` command line."""
    if is_mcp_invocation(sys.argv[1:]):
        from orch.mcp.front import start_early

        start_early()
    from orch.cli.main import main as cli_main

    cli_main()
