from fastmcp import FastMCP

tickets_mcp = FastMCP("tickets")


@tickets_mcp.tool(name="open_ticket")
async def open_ticket(title: str) -> str:
    """Opens a ticket."""
    return title


@tickets_mcp.tool()
async def close_ticket(ticket_id: str) -> str:
    """Closes a ticket."""
    return ticket_id
