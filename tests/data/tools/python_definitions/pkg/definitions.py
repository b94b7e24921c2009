from dataclasses import dataclass
from functools import partial
from typing import Any, Callable


@dataclass
class ToolDefinition:
    fn: Callable[..., Any]
    title: str
    name: str | None = None
    kind: str = "core"


def generic_tool(*, title: str, kind: str, name: str | None = None):
    def decorator(fn: Callable) -> ToolDefinition:
        return ToolDefinition(fn=fn, title=title, name=name, kind=kind)

    return decorator


core_tool = partial(generic_tool, kind="core")
