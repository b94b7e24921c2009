import { z } from "zod";
import { defineTool } from "./define.js";
import { store } from "../store.js";

export const searchBookmarks = defineTool({
  name: "search_bookmarks",
  description: "Find bookmarks whose title or URL contains the query.",
  schema: z.object({ query: z.string().describe("Words to look for") }),
  handler: async ({ query }) => store.search(query),
});

export const addBookmark = {
  name: "add_bookmark",
  description: "Save a URL under a title.",
  schema: z.object({ url: z.string().url(), title: z.string() }),
  async handler({ url, title }: { url: string; title: string }) {
    return store.add(url, title);
  },
};

// Column definitions of the export view: a name and a description, nothing that runs.
export const columns = [
  { name: "title", description: "Bookmark title" },
  { name: "url", description: "Target address" },
];
