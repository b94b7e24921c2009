import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { Pool } from "pg";

const pool = new Pool({ connectionString: process.env.DATABASE_URL });
const server = new McpServer({ name: "postgres-reader", version: "0.7.0" });

server.tool(
  "query",
  "Run a read-only SQL query",
  { sql: z.string().describe("A SELECT statement") },
  async ({ sql }) => {
    try {
      const result = await pool.query({ text: sql, rowMode: "array" });
      return { content: [{ type: "text", text: JSON.stringify(result.rows) }] };
    } catch (error) {
      return {
        content: [
          {
            type: "text",
            text: `Query failed: ${error instanceof Error ? error.message : String(error)}`, // expect: SEC004
          },
        ],
        isError: true,
      };
    }
  },
);

server.tool(
  "describe_table",
  "List the columns of a table",
  { table: z.string().describe("Table name") },
  async ({ table }) => {
    try {
      const result = await pool.query(
        "select column_name, data_type from information_schema.columns where table_name = $1",
        [table],
      );
      return { content: [{ type: "text", text: JSON.stringify(result.rows) }] };
    } catch (e) {
      return { content: [{ type: "text", text: String(e) }], isError: true }; // expect: SEC004
    }
  },
);

server.tool(
  "row_count",
  "Count the rows of a table",
  { table: z.string().describe("Table name") },
  async ({ table }) => {
    try {
      const { rows } = await pool.query(`select count(*) from ${pool.escapeIdentifier(table)}`);
      return { content: [{ type: "text", text: String(rows[0].count) }] };
    } catch (e) {
      // Look-alike: logged to stderr, fixed text returned.
      console.error("row_count failed", e);
      return { content: [{ type: "text", text: "Could not count rows" }], isError: true };
    }
  },
);

export { server };
