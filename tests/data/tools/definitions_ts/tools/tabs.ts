import { z } from "zod";
import { defineTool } from "./define.js";

async function open(url: string) {
  const res = await fetch(`http://127.0.0.1:9222/json/new?${encodeURIComponent(url)}`);
  return res.json();
}

export const openTab = defineTool({
  name: "open_tab",
  description: "Open a URL in a new browser tab.",
  schema: z.object({ url: z.string() }),
  handler: async ({ url }) => open(url),
});

// A keyboard shortcut: it has a handler, but its name is no tool name.
export const shortcut = { name: "Open in new tab", description: "Ctrl+T", handler: () => open("about:blank") };

const CLOSE_TAB = "close_tab";

export const closeTab = defineTool({
  name: CLOSE_TAB,
  description: "Close the tab with this id.",
  schema: z.object({ id: z.string() }),
  handler: async ({ id }) => fetch(`http://127.0.0.1:9222/json/close/${id}`),
});

// Browser drivers loaded on demand: a name and a loader, no description, no schema.
export const drivers = [
  { load: () => import("./chromium.js"), name: "Chromium", channel: "stable" },
  { load: () => import("./firefox.js"), name: "Firefox", channel: "release" },
];
