"""Services shared by the command line and the MCP server: one implementation of each query and
change, so ``orch validate`` and the ``plan_validate`` tool (say) can never disagree.

Nothing here prints, exits or imports typer or the MCP SDK; failures are :class:`OrchError`.
"""
