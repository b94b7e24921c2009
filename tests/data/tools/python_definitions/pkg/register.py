from mcp.server.fastmcp import FastMCP

from .definitions import ToolDefinition


def register_tools(server: FastMCP, definitions: list[ToolDefinition]) -> None:
    for definition in definitions:
        server.add_tool(fn=definition.fn, name=definition.name or definition.fn.__name__)
