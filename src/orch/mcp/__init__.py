"""orch as an MCP server (``orch mcp``): the only package that imports the MCP SDK."""
