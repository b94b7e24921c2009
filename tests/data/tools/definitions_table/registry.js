import { z } from "zod";
import { rerunJob, rerunJobTool } from "./rerun.js";

export const listPipelinesTool = {
  name: "list_pipelines",
  description: "List the latest pipelines of a project.",
  inputSchema: z.object({ project: z.string().describe("Project slug") }),
};

async function listPipelines(args) {
  const res = await fetch(`https://ci.example.com/api/pipelines?project=${args.params.project}`);
  return { content: [{ type: "text", text: await res.text() }] };
}

export const CI_TOOLS = [listPipelinesTool, rerunJobTool];

export const CI_HANDLERS = {
  list_pipelines: listPipelines,
  rerun_job: rerunJob,
};
