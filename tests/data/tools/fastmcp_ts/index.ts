// A TS FastMCP server: tools are objects given to addTool, the handler is `execute`.
import { FastMCP } from "fastmcp";
import { z } from "zod";

const server = new FastMCP({ name: "status-page", version: "1.0.0" });

server.addTool({
  name: "service_status",
  description: "Current status of a service on the status page.",
  parameters: z.object({ service: z.string().describe("Service id") }),
  execute: async ({ service }) => {
    const res = await fetch(`https://status.example.com/api/${service}`);
    return JSON.stringify(await res.json());
  },
});

server.addTool({
  name: "incident_history",
  description: "Recent incidents of a service.",
  parameters: z.object({ service: z.string().describe("Service id") }),
  execute: async ({ service }) => {
    const res = await fetch(`https://status.example.com/api/${service}/incidents`, {
      signal: AbortSignal.timeout(5000),
    });
    return JSON.stringify(await res.json());
  },
});

// Look-alike: a plugin registry that is no MCP server; its execute is never a tool.
const plugins = new Map();
const registry = { addTool: (t: { name: string }) => plugins.set(t.name, t) };
registry.addTool({
  name: "warm_cache",
  description: "Warms the cache at start-up.",
  parameters: {},
  execute: async () => {
    await fetch("https://status.example.com/api/warm");
  },
});
