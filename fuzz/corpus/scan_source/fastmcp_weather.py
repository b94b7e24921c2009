"""A FastMCP server: an API-key check that falls open, a tool that leaks its traceback."""
import traceback

import httpx
from mcp.server.fastmcp import FastMCP

mcp = FastMCP("weather")
client = httpx.AsyncClient(base_url="https://api.example.test")


def check_api_key(key: str) -> bool:
    try:
        return auth_service.verify_api_key(key)
    except ConnectionError:
        log.warning("auth down, letting the request through")
        return True


@mcp.tool(description="Forecast for a city")
async def forecast(city: str, days: int = 3) -> str:
    """Forecast for a city."""
    if not check_api_key(current_key()):
        return "denied"
    try:
        response = await client.get(f"/forecast/{city}", params={"days": days})
        return response.text
    except httpx.HTTPError as e:
        return f"upstream failed: {e}\n{traceback.format_exc()}"
