// A browser server: each tool module pairs a schema object with a handle function, and the
// server reads the name from the schema.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

const navigateSchema = {
  name: "browser_navigate",
  description: "Go to a URL in the active page.",
  inputSchema: z.object({ url: z.string() }),
};

async function handleNavigate(page, params) {
  await page.goto(params.url);
  return { content: [{ type: "text", text: `now at ${params.url}` }] };
}

const navigateTool = { capability: "core", schema: navigateSchema, handle: handleNavigate };

const TOOLS = [navigateTool];

export function createBrowserServer(page) {
  const server = new McpServer({ name: "browser", version: "1.0.0" });
  for (const tool of TOOLS) {
    server.tool(tool.schema.name, tool.schema.description, tool.schema.inputSchema.shape, (params) =>
      tool.handle(page, params),
    );
  }
  return server;
}
