import { z } from "zod";

async function createRefund(api, arg) {
  return api.refunds.create({ payment_intent: arg.payment_intent });
}

export const definitions = [
  {
    method: "create_refund",
    name: "Create Refund",
    description: "Refund a payment intent, fully or in part.",
    parameters: z.object({ payment_intent: z.string() }),
    execute: createRefund,
  },
  {
    method: "list_disputes",
    name: "List Disputes",
    description: "List the open disputes.",
    parameters: z.object({ limit: z.number().int().optional() }),
    execute: async (api, arg) => api.disputes.list(arg),
  },
];
