class Store:
    async def models(self) -> list[str]:
        return []

    async def model(self, name: str) -> dict:
        return {}

    def run(self, args: list[str]) -> str:
        return ""
