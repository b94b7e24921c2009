import requests
from fastmcp import FastMCP

from .servers.tickets import tickets_mcp
from .servers.wiki import wiki_mcp as wiki

main_mcp = FastMCP("main")
main_mcp.mount(tickets_mcp, namespace="tickets")
main_mcp.mount("wiki", wiki)

# Look-alike: an HTTP adapter mounted on a session is no server.
session = requests.Session()
session.mount("https", requests.adapters.HTTPAdapter())


@main_mcp.tool()
async def health() -> str:
    """Says the server is up."""
    return "ok"
