import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

const server = new McpServer({ name: "weather", version: "1.0.0" });

async function forecast(city: string) {
  const res = await fetch(`https://api.example.com/forecast/${city}`);
  return res.json();
}

server.tool("forecast", "Forecast for a city", { city: z.string() }, async ({ city }) => {
  try {
    return { content: [{ type: "text", text: JSON.stringify(await forecast(city)) }] };
  } catch (err) {
    return { content: [{ type: "text", text: `failed: ${(err as Error).message}` }] };
  }
});
