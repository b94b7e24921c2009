// An McpServer with registered tools, a wrapped handler and an Express-style middleware.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { fetchIssue } from "./github.js";

const server = new McpServer({ name: "issues", version: "2.0.0" });

export async function requireSession(req: Request, res: Response, next: () => void) {
  try {
    await sessions.verifySession(req.headers.authorization);
  } catch (e) {
    console.error("session check failed", e);
  }
  next();
}

server.registerTool(
  "get_issue",
  { description: "Fetch an issue", inputSchema: { repo: z.string().describe("owner/name"), n: z.number() } },
  withRetry(async ({ repo, n }) => {
    try {
      const issue = await fetchIssue(repo, n, { signal: AbortSignal.timeout(5000) });
      return { content: [{ type: "text", text: issue.title }] };
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`GitHub failed: ${message}`);
    }
  }),
);
