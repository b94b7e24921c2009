from fastmcp import FastMCP

wiki_mcp = FastMCP("wiki")


@wiki_mcp.tool()
async def read_page(page_id: str) -> str:
    """Reads a page."""
    return page_id
