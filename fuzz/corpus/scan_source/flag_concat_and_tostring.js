import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { readFile } from "node:fs/promises";
import { parse } from "yaml";

const server = new McpServer({ name: "config-inspector", version: "0.4.0" });

server.tool(
  "read_config",
  "Read and parse a YAML config file",
  { file: z.string().describe("Config file path") },
  async ({ file }) => {
    let raw;
    try {
      raw = await readFile(file, "utf8");
    } catch (e) {
      return {
        content: [{ type: "text", text: "Failed to read file: " + e }], // expect: SEC004
        isError: true,
      };
    }
    try {
      return { content: [{ type: "text", text: JSON.stringify(parse(raw)) }] };
    } catch (e) {
      const reason = e.toString();
      return { content: [{ type: "text", text: reason }], isError: true }; // expect: SEC004
    }
  },
);

server.tool(
  "validate_config",
  "Check that a YAML config parses",
  { file: z.string().describe("Config file path") },
  async ({ file }) => {
    try {
      parse(await readFile(file, "utf8"));
      return { content: [{ type: "text", text: "valid" }] };
    } catch (e) {
      // Look-alike: only the error's name picks the message.
      const text = e.name === "YAMLParseError" ? "Not valid YAML" : "Could not read the file";
      return { content: [{ type: "text", text }], isError: true };
    }
  },
);
