// A bookmarks server: every tool is a definition object, registered in one loop.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { searchBookmarks, addBookmark } from "./tools/bookmarks.js";
import { openTab, closeTab } from "./tools/tabs.js";
import { prompts } from "./prompts.js";

const TOOLS = [searchBookmarks, addBookmark, openTab, closeTab];

const server = new McpServer({ name: "bookmarks", version: "0.3.0" });

for (const tool of TOOLS) {
  server.tool(tool.name, tool.description, tool.schema.shape, async (args) => {
    return tool.handler(args);
  });
}

for (const prompt of prompts) {
  server.prompt(prompt.name, prompt.description, prompt.arguments, prompt.render);
}

await server.connect(new StdioServerTransport());
