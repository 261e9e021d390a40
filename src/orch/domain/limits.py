"""Bounds shared by the parser, the services and the MCP tool schemas, importable for nothing
(``orch mcp`` builds its tool schemas from them before any service is loaded)."""

from __future__ import annotations

MAX_PRIORITY = 10
"""Highest ``priority:`` a task may have; 0 (the default) is the lowest."""

MAX_LIMIT = 500
"""Most tasks one ``task_list`` call returns."""
