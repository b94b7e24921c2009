"""Ticket tools behind an API key and an ACL, both failing open."""

import logging

import httpx
from mcp.server.fastmcp import FastMCP

from .acl import acl
from .tickets import close_ticket as _close, reopen_ticket as _reopen

log = logging.getLogger(__name__)
mcp = FastMCP("tickets")


def verify_api_key(key: str) -> bool:
    resp = httpx.post("https://keys.internal/verify", json={"key": key}, timeout=2.0)
    return resp.status_code == 200 and resp.json().get("valid") is True


def key_ok(key: str) -> bool:
    try:
        return verify_api_key(key)
    except Exception:
        log.warning("auth down")
        return True  # expect: SEC001


def may_touch(user: str, ticket_id: str) -> bool:
    try:
        return acl.check(user, f"ticket:{ticket_id}") is True
    except (httpx.TimeoutException, httpx.ConnectError):
        return True  # expect: SEC001
    except Exception:
        return False


@mcp.tool()
def close_ticket(ticket_id: str, api_key: str, user: str) -> str:
    """Close a support ticket."""
    if not key_ok(api_key):
        return "Invalid API key"
    if not may_touch(user, ticket_id):
        return "Not allowed"
    _close(ticket_id)
    return f"Closed {ticket_id}"


@mcp.tool()
def reopen_ticket(ticket_id: str, api_key: str) -> str:
    """Reopen a closed support ticket."""
    if not key_ok(api_key):
        return "Invalid API key"
    _reopen(ticket_id)
    return f"Reopened {ticket_id}"
