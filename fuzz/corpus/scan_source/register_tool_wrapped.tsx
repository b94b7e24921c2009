import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

const server = new McpServer({ name: "ui", version: "1.0.0" });
const Badge = ({ label }: { label: string }) => <span className="badge">{label}</span>;

server.registerTool(
  "render",
  { description: "Render a badge", inputSchema: { label: z.string().describe("text") } },
  withAuth(async ({ label }) => {
    try {
      const user = await verifyToken(process.env.TOKEN!);
      return { content: [{ type: "text", text: String(<Badge label={label} />) + user.id }] };
    } catch (err: any) {
      return { content: [{ type: "text", text: `failed: ${err.stack}` }], isError: true };
    }
  }),
);
