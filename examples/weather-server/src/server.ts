import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";
import { authorizeRegion } from "./auth.js";

const API = process.env.WEATHER_API_URL ?? "https://api.example.com";
const server = new McpServer({ name: "weather", version: "0.1.0" });

async function upstream(path: string) {
  // No timeout: a slow upstream holds the tool call, and the client, indefinitely.
  const res = await fetch(`${API}${path}`, {
    headers: { authorization: `Bearer ${process.env.WEATHER_API_KEY}` },
  });
  if (!res.ok) throw new Error(`upstream ${res.status}: ${await res.text()}`);
  return res.json();
}

server.tool(
  "forecast",
  "Seven-day forecast for a city.",
  { city: z.string().describe("City name, e.g. Lisbon"), days: z.number() },
  async ({ city, days }) => {
    try {
      const data = await upstream(`/forecast?q=${encodeURIComponent(city)}&days=${days}`);
      return { content: [{ type: "text", text: JSON.stringify(data) }] };
    } catch (err) {
      // The upstream's error text (and whatever it echoes) goes straight to the model.
      return { content: [{ type: "text", text: `Forecast failed: ${(err as Error).message}` }], isError: true };
    }
  },
);

server.tool("alerts", { region: z.string().describe("Region code") }, async ({ region }, extra) => {
  if (!(await authorizeRegion(extra.authInfo?.token, region))) {
    return { content: [{ type: "text", text: "forbidden" }], isError: true };
  }
  const [warnings, advisories] = await Promise.all([
    upstream(`/alerts/${region}/warnings`),
    upstream(`/alerts/${region}/advisories`),
  ]);
  return { content: [{ type: "text", text: JSON.stringify({ warnings, advisories }) }] };
});

await server.connect(new StdioServerTransport());
