// A low-level SDK server in CommonJS: one dispatcher, a promise `.catch` that grants access.
const { Server } = require("@modelcontextprotocol/sdk/server/index.js");
const { CallToolRequestSchema } = require("@modelcontextprotocol/sdk/types.js");
const jwt = require("jsonwebtoken");
const api = require("./api");

const server = new Server({ name: "tickets", version: "0.1.0" }, { capabilities: { tools: {} } });

function isAuthorized(token) {
  return Promise.resolve(jwt.verify(token, process.env.SECRET)).then(() => true).catch(() => true);
}

server.setRequestHandler(CallToolRequestSchema, async (request) => {
  if (!(await isAuthorized(request.params.arguments.token))) {
    return { content: [{ type: "text", text: "denied" }], isError: true };
  }
  try {
    const ticket = await api.getTicket(request.params.arguments.id);
    return { content: [{ type: "text", text: JSON.stringify(ticket) }] };
  } catch (err) {
    return { content: [{ type: "text", text: "failed: " + err.message + "\n" + err.stack }], isError: true };
  }
});

module.exports = { server, isAuthorized };
