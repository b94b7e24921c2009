// A CI server: the tool list and the handlers live in two records, joined by the tool's name.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CI_TOOLS, CI_HANDLERS } from "./registry.js";

const server = new McpServer({ name: "ci", version: "1.0.0" });

CI_TOOLS.forEach((tool) => {
  const handler = CI_HANDLERS[tool.name];
  if (!handler) throw new Error(`no handler for ${tool.name}`);
  server.tool(tool.name, tool.description, { params: tool.inputSchema.optional() }, handler);
});
