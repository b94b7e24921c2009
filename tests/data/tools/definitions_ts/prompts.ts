// Prompts have names, descriptions and arguments: they are not tools.
export const prompts = [
  {
    name: "summarize_bookmarks",
    description: "Summarise the saved bookmarks on a topic.",
    arguments: [{ name: "topic", description: "Topic", required: true }],
    render: (args: { topic: string }) => ({
      messages: [{ role: "user", content: { type: "text", text: `Summarise ${args.topic}` } }],
    }),
  },
];

// A resource: a URI, a name and a MIME type.
export const readme = {
  uri: "bookmarks://readme",
  name: "readme",
  description: "How the bookmarks are stored",
  mimeType: "text/plain",
  read: async () => "one JSON file",
};
