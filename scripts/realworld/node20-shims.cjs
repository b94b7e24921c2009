// Preload for scripts/realworld/tools-list runs on Node 20 (scratch only):
// keytar's native addon is not built under --ignore-scripts; newer undici wants
// worker_threads.markAsUncloneable (Node 22). Neither matters for tools/list.
const M = require('module');
const load = M._load;
M._load = function (request, ...rest) {
  if (request.endsWith('keytar.node')) return {};
  return load.call(this, request, ...rest);
};
const wt = require('worker_threads');
if (!wt.markAsUncloneable) wt.markAsUncloneable = () => {};
