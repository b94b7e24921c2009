from mcp.server.fastmcp import FastMCP

from .catalog import cli_definitions, get_model, list_models
from .register import register_tools
from .store import Store

mcp = FastMCP("warehouse")
register_tools(mcp, [list_models, get_model, *cli_definitions(Store())])
