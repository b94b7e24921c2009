// A monitoring server: each area builds an object of handlers keyed by tool name, and the
// tools/call handler runs the one the request names.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { createAlertHandlers, ALERT_TOOLS } from "./alerts.js";

const server = new Server({ name: "monitoring", version: "1.0.0" }, { capabilities: { tools: {} } });

const HANDLERS = {
  ...createAlertHandlers(process.env.MONITORING_URL),
  ping: async () => ({ content: [{ type: "text", text: "pong" }] }),
};

server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [...ALERT_TOOLS] }));

server.setRequestHandler(CallToolRequestSchema, async (request) => {
  const handler = HANDLERS[request.params.name];
  if (!handler) throw new Error("Unknown tool");
  return await HANDLERS[request.params.name](request);
});
