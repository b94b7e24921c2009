// The tools are declared in a list; the dispatcher switches on the name and formats the
// result through a table of formatters, which serves no tool.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const server = new Server({ name: "notes", version: "1.0.0" }, { capabilities: { tools: {} } });

const FORMATTERS: Record<string, (value: unknown) => string> = {
  json: (value) => JSON.stringify(value),
  text: (value) => String(value),
};

server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [
    {
      name: "read_note",
      description: "Read a note by id",
      inputSchema: { type: "object", properties: { id: { type: "string", description: "Note id" } } },
    },
  ],
}));

server.setRequestHandler(CallToolRequestSchema, async (request) => {
  const format = String(request.params.arguments?.format ?? "text");
  switch (request.params.name) {
    case "read_note": {
      const note = { id: request.params.arguments?.id };
      return { content: [{ type: "text", text: FORMATTERS[format](note) }] };
    }
    default:
      throw new Error("Unknown tool");
  }
});
