function toolSchema(name, description) {
  return { name, description, inputSchema: { type: "object", properties: {} } };
}

export const ALERT_TOOLS = [
  toolSchema("list_alerts", "List the open alerts"),
  toolSchema("ack_alert", "Acknowledge an alert"),
];

export function createAlertHandlers(base) {
  return {
    list_alerts: async () => {
      const res = await fetch(`${base}/alerts`);
      return { content: [{ type: "text", text: await res.text() }] };
    },
    ack_alert: async (request) => {
      await fetch(`${base}/alerts/${request.params.arguments.id}/ack`, { method: "POST" });
      return { content: [{ type: "text", text: "acknowledged" }] };
    },
  };
}
