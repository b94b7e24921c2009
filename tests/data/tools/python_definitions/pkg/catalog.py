import functools

from .definitions import ToolDefinition, core_tool
from .store import Store


@core_tool(title="List models")
async def list_models() -> list[str]:
    return await Store().models()


@core_tool(title="Model details", name="model_details")
async def get_model(model: str) -> dict:
    return await Store().model(model)


def cli_definitions(store: Store) -> list[ToolDefinition]:
    def build(select: str) -> str:
        return store.run(["build", select])

    def ls(select: str) -> str:
        return store.run(["ls", select])

    def with_store(func):
        @functools.wraps(func)
        async def wrapper(*args, **kwargs):
            return await func(store, *args, **kwargs)

        return wrapper

    return [
        ToolDefinition(fn=build, title="Build"),
        ToolDefinition(fn=ls, title="List", name="list"),
        ToolDefinition(fn=with_store(column_lineage), title="Column lineage"),
    ]


async def column_lineage(store: Store, model: str, column: str) -> dict:
    return await store.model(model)


# Look-alikes: a plain function given `fn=` is no definition class, and a decorator that
# returns the function unchanged makes no tool.
def retry(fn=None, times=3):
    return fn


def traced(fn):
    return fn


@traced
def helper() -> None:
    retry(fn=helper, times=2)
