from fastmcp import FastMCP
from fastmcp.tools import Tool

mcp = FastMCP("inventory")


async def count_items(sku: str) -> int:
    """Items in stock."""
    return 0


async def reorder(sku: str) -> str:
    """Orders more."""
    return sku


async def audit() -> str:
    """Audits the stock."""
    return "ok"


mcp.add_tool(Tool.from_function(count_items, name="stock_count"))
mcp.tool(name="stock_reorder")(reorder)
mcp.tool()(audit)

# Look-alikes: a plugin registry is no server, and a helper's parameter is no tool.
plugins = {}
plugins_registry = object()
plugins_registry.add_tool(Tool.from_function(audit, name="plugin_audit"))


def expose(fn):
    return mcp.tool()(fn)
