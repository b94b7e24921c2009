"""Low-level server: a dispatcher and a helper that formats errors."""

import logging
import subprocess

import mcp.types as types
from mcp.server.lowlevel import Server

logger = logging.getLogger(__name__)
server = Server("git-tools")


def error_text(exc: BaseException) -> list[types.TextContent]:
    return [types.TextContent(type="text", text=f"git failed: {exc}")]


def git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout


def git_log(repo: str, limit: int) -> str:
    try:
        return git("-C", repo, "log", f"-{limit}", "--oneline")
    except subprocess.CalledProcessError as e:
        return f"git log failed: {e}"  # expect: SEC004


@server.call_tool()
async def call_tool(name: str, arguments: dict) -> list[types.TextContent]:
    if name == "git_status":
        try:
            out = git("-C", arguments["repo"], "status", "--short")
        except Exception as e:
            return error_text(e)  # expect: SEC004
        return [types.TextContent(type="text", text=out or "clean")]
    if name == "git_log":
        return [types.TextContent(type="text", text=git_log(arguments["repo"], 20))]
    if name == "git_diff":
        try:
            out = git("-C", arguments["repo"], "diff")
        except subprocess.CalledProcessError as exc:
            return [
                types.TextContent(
                    type="text",
                    text="diff failed:\n" + str(exc),  # expect: SEC004
                )
            ]
        return [types.TextContent(type="text", text=out)]
    if name == "git_branch":
        try:
            out = git("-C", arguments["repo"], "branch", "--show-current")
        except subprocess.CalledProcessError:
            logger.exception("git branch failed")
            return error_text_fixed()
        return [types.TextContent(type="text", text=out.strip())]
    return [types.TextContent(type="text", text=f"Unknown tool: {name}")]


def error_text_fixed() -> list[types.TextContent]:
    return [types.TextContent(type="text", text="git failed; see server logs")]
