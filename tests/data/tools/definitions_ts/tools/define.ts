import { z } from "zod";

export interface ToolDefinition<S extends z.ZodRawShape> {
  name: string;
  description: string;
  schema: z.ZodObject<S>;
  handler: (args: z.infer<z.ZodObject<S>>) => Promise<unknown>;
}

export function defineTool<S extends z.ZodRawShape>(definition: ToolDefinition<S>) {
  return definition;
}
