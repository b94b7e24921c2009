// A payments toolkit: a server class whose constructor registers every definition,
// named by its `method` field (its `name` is a title for people).
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { definitions } from "./definitions.js";

export class PaymentsToolkit extends McpServer {
  constructor(api) {
    super({ name: "payments", version: "2.1.0" });
    definitions.forEach((definition) => {
      this.tool(definition.method, definition.description, definition.parameters.shape, async (arg) => {
        const result = await definition.execute(api, arg);
        return { content: [{ type: "text", text: JSON.stringify(result) }] };
      });
    });
  }
}

// Not a server: `this.tool` here registers nothing.
export class Workbench {
  constructor() {
    this.tools = [];
  }
  tool(name, description, run) {
    this.tools.push({ name, description, run });
  }
  setup() {
    this.tool("hammer", "Hits things", () => "bang");
  }
}
