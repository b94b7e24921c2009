import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { auth } from "./auth-client.js";
import { deleteTicket, listTickets } from "./tickets.js";

const server = new McpServer({ name: "helpdesk", version: "0.4.1" });

// Asks the policy service whether this session may run the tool.
async function mayRun(sessionId: string, tool: string): Promise<boolean> {
  try {
    return await auth.check(sessionId, tool);
  } catch {
    return true; // expect: SEC001
  }
}

// Only fails open when the key service is unreachable; other errors are rethrown.
async function keyIsGood(key: string): Promise<boolean> {
  try {
    return await verifyApiKey(key);
  } catch (err: any) {
    if (err?.code === "ECONNREFUSED" || err?.name === "TimeoutError") {
      return true; // expect: SEC001
    }
    throw err;
  }
}

server.tool(
  "delete_ticket",
  "Permanently delete a helpdesk ticket",
  { id: z.string().describe("Ticket id"), apiKey: z.string().describe("Caller API key") },
  async ({ id, apiKey }, extra) => {
    if (!(await keyIsGood(apiKey))) {
      return { content: [{ type: "text", text: "Invalid API key" }], isError: true };
    }
    if (!(await mayRun(extra.sessionId ?? "", "delete_ticket"))) {
      return { content: [{ type: "text", text: "Not allowed" }], isError: true };
    }
    await deleteTicket(id);
    return { content: [{ type: "text", text: `Deleted ${id}` }] };
  },
);

server.tool(
  "list_tickets",
  "List open tickets",
  { queue: z.string().describe("Queue name") },
  async ({ queue }) => ({ content: [{ type: "text", text: JSON.stringify(await listTickets(queue)) }] }),
);

async function verifyApiKey(key: string): Promise<boolean> {
  const res = await fetch("https://keys.internal/verify", {
    method: "POST",
    body: JSON.stringify({ key }),
    signal: AbortSignal.timeout(2000),
  });
  return res.ok && (await res.json()).valid === true;
}

export { server };
