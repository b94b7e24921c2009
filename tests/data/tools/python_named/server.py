"""A ticket desk: tools named by constants and enum members, and a server subclass."""

from enum import Enum

from fastmcp import FastMCP
from mcp.server.fastmcp import FastMCP as LowFastMCP

from .desk import Desk

TOOL_CLOSE = "desk_close_ticket"


class DeskTools(str, Enum):
    OPEN = "desk_open_ticket"
    ASSIGN = "desk_assign_ticket"


def build(desk: Desk) -> FastMCP:
    server = FastMCP("desk")

    @server.tool(name=DeskTools.OPEN.value, description="Opens a ticket")
    def open_ticket(title: str) -> str:
        return desk.open(title)

    @server.tool(name=DeskTools.ASSIGN, description="Assigns a ticket")
    def assign(ticket: str, who: str) -> str:
        return desk.assign(ticket, who)

    @server.tool(name=TOOL_CLOSE, description="Closes a ticket")
    def close(ticket: str) -> str:
        return desk.close(ticket)

    return server


class DeskServer(LowFastMCP):
    def __init__(self, desk: Desk):
        super().__init__("desk-sub")
        self.desk = desk
        self.register()

    def register(self):
        async def search(query: str) -> list[str]:
            """Searches tickets."""
            return await self.desk.search(query)

        found = search
        self.tool(found, name="desk_search")
        self.tool(self.history)

    async def history(self, ticket: str) -> list[str]:
        """A ticket's history."""
        return await self.desk.history(ticket)


# Look-alikes: a class that is no server has a `tool` method of its own, a name that is no
# constant stays as written, and a decorator factory's call is not given a function.
class Toolbox:
    def tool(self, fn, name=None):
        return fn

    def fill(self):
        self.tool(self.fill, name="toolbox_fill")


def label() -> str:
    LOCAL_NAME = "not_a_module_constant"
    return LOCAL_NAME
