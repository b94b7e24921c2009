import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";

const mcp = new McpServer({ name: "quiet", version: "1.0.0" });
export default mcp;
