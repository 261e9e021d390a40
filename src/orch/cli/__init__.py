"""The command line: one module per command, composed in ``orch.cli.main``.

Command modules import only typer and the standard library at module level, so ``orch --help``
stays fast; everything heavy is imported inside the command function.
"""
