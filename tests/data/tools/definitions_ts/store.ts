export const store = {
  async search(query: string) {
    return [query];
  },
  async add(url: string, title: string) {
    return { url, title };
  },
};
