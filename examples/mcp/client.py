"""Talk to `orch mcp` the way an MCP client (Claude Code, say) does, with the official SDK.

Usage: python client.py PROJECT_DIR
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters


async def main(project: str) -> None:
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "orch", "-C", project, "mcp", "--plan", "plan.md"],
        env=dict(os.environ),
    )
    async with Client(server) as client:
        tools = await client.list_tools()
        print("tools:", ", ".join(tool.name for tool in tools.tools))

        async def call(name: str, **arguments: Any) -> Any:
            result = await client.call_tool(name, arguments)
            if result.is_error:
                print(f"{name}: refused:", result.content[0].text)  # type: ignore[union-attr]
                return None
            print(f"{name}:", json.dumps(result.structured_content))
            return result.structured_content

        await call("task_queue_status")
        await call("task_enqueue", description="Review the output", priority=8, phase="2")
        await call("task_cancel", task_id="T003")  # and, cascading, T004 and T005
        await call("task_enqueue", description="Needs a missing task", prerequisites=["T099"])
        await call("task_execution_plan")
        await call("task_list", status="skipped")


if __name__ == "__main__":
    anyio.run(main, sys.argv[1])
