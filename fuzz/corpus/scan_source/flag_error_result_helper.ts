import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { promises as fs } from "node:fs";
import path from "node:path";

const ROOT = process.env.FILES_ROOT ?? "/srv/files";

// Shared error builder; itself not a finding, its callers are.
function errorResult(err: unknown) {
  return {
    content: [{ type: "text" as const, text: err instanceof Error ? err.message : String(err) }],
    isError: true,
  };
}

const server = new McpServer({ name: "files", version: "0.3.0" });

server.tool(
  "read_file",
  "Read a UTF-8 file below the files root",
  { rel: z.string().describe("Path relative to the root") },
  async ({ rel }) => {
    const full = path.resolve(ROOT, rel);
    if (!full.startsWith(ROOT + path.sep)) {
      return errorResult("Path escapes the files root");
    }
    try {
      return { content: [{ type: "text", text: await fs.readFile(full, "utf8") }] };
    } catch (e) {
      return errorResult(e); // expect: SEC004
    }
  },
);

server.tool(
  "list_dir",
  "List a directory below the files root",
  { rel: z.string().describe("Directory relative to the root") },
  async ({ rel }) => {
    try {
      const names = await fs.readdir(path.resolve(ROOT, rel));
      return { content: [{ type: "text", text: names.join("\n") }] };
    } catch (error) {
      console.error("list_dir", error);
      return errorResult(error); // expect: SEC004
    }
  },
);

server.tool(
  "stat",
  "Size and mtime of a file",
  { rel: z.string().describe("Path relative to the root") },
  async ({ rel }) => {
    try {
      const st = await fs.stat(path.resolve(ROOT, rel));
      return { content: [{ type: "text", text: `${st.size} bytes, ${st.mtime.toISOString()}` }] };
    } catch (e: any) {
      return errorResult(e?.code === "ENOENT" ? "No such file" : "Could not stat file");
    }
  },
);

export { server };
