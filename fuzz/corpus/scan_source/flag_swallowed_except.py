"""Low-level server whose auth checks only log (or ignore) their errors."""

import logging

import mcp.types as types
from mcp.server.lowlevel import Server

from .payments import refund
from .security import InvalidSignature, authenticate_caller, verify_signature

logger = logging.getLogger(__name__)
server = Server("payments")


@server.list_tools()
async def list_tools() -> list[types.Tool]:
    return [
        types.Tool(
            name="refund",
            description="Refund a card payment",
            inputSchema={
                "type": "object",
                "properties": {
                    "payment_id": {"type": "string", "description": "Payment id"},
                    "signature": {"type": "string", "description": "Request signature"},
                },
                "required": ["payment_id", "signature"],
            },
        )
    ]


@server.call_tool()
async def call_tool(name: str, arguments: dict) -> list[types.TextContent]:
    try:
        authenticate_caller(arguments.get("caller", ""))
    except Exception:  # expect: SEC001
        pass

    try:
        verify_signature(arguments["payment_id"], arguments["signature"])
    except InvalidSignature:  # expect: SEC001
        logger.warning("bad signature for %s", arguments["payment_id"])

    result = await refund(arguments["payment_id"])
    return [types.TextContent(type="text", text=f"Refund {result.id} issued")]
