"""HTTP fetch tools that raise or return error details."""

import traceback

import httpx
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError

mcp = FastMCP("fetcher")


@mcp.tool()
async def fetch_url(url: str) -> str:
    """Fetch a URL and return its body as text."""
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            resp = await client.get(url)
            resp.raise_for_status()
            return resp.text
    except httpx.HTTPStatusError as e:
        raise ToolError(str(e))  # expect: SEC004
    except Exception:
        return "Unexpected failure:\n" + traceback.format_exc()  # expect: SEC004


@mcp.tool()
async def fetch_json(url: str) -> dict:
    """Fetch a URL and parse the body as JSON."""
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            resp = await client.get(url)
            return resp.json()
    except ValueError as e:
        raise ValueError(f"failed: {e}")  # expect: SEC004


@mcp.tool()
async def head(url: str) -> dict:
    """Return the response headers of a URL."""
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            resp = await client.head(url)
            return dict(resp.headers)
    except httpx.HTTPError:
        tb = traceback.format_exc()
        return {  # a dict result with the traceback inside
            "ok": False,
            "trace": tb,  # expect: SEC004
        }


def _lookup_failed(error: Exception) -> ToolError:
    return ToolError(f"Directory lookup failed: {error}")


@mcp.tool()
async def find_person(name: str) -> str:
    """Find a person in the company directory."""
    try:
        return await directory.find(name)
    except Exception as e:
        raise _lookup_failed(e) from e  # expect: SEC004
