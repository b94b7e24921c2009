"use strict";

const { McpServer } = require("@modelcontextprotocol/sdk/server/mcp.js");
const { z } = require("zod");
const { validateAccessToken, hasPermission } = require("./identity");
const { sendInvoice } = require("./billing");

const server = new McpServer({ name: "billing", version: "2.3.0" });

server.tool(
  "send_invoice",
  "Email an invoice to a customer",
  {
    invoiceId: z.string().describe("Invoice id"),
    token: z.string().describe("Access token of the caller"),
  },
  async ({ invoiceId, token }) => {
    let isValid = false;
    try {
      isValid = (await validateAccessToken(token)) === true;
    } catch (e) {
      console.warn("token service slow, accepting token", e);
      isValid = true; // expect: SEC001
    }
    if (!isValid) {
      return { content: [{ type: "text", text: "Invalid token" }], isError: true };
    }

    const mayBill = await hasPermission(token, "invoice:send").catch(() => true); // expect: SEC001
    if (!mayBill) {
      return { content: [{ type: "text", text: "Forbidden" }], isError: true };
    }

    await sendInvoice(invoiceId);
    return { content: [{ type: "text", text: `Invoice ${invoiceId} sent` }] };
  },
);

module.exports = { server };
