// The flow language as JSON Schema (draft 2020-12), generated from the zod schema for the
// dashboard's editor. Rules JSON Schema cannot express are in ZOD_ONLY_RULES; validateFlow checks them.
// Schemas used twice go to $defs (reused: "ref"): the bounded JSON levels would otherwise be inlined 2^depth times.
import { z } from "zod";
import { FlowDocument } from "./flow.schema.js";

export const FLOW_JSON_SCHEMA_ID = "https://schemas.fleet.local/flow/v1.json";

export function flowJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(FlowDocument, { target: "draft-2020-12", io: "input", reused: "ref" }), $id: FLOW_JSON_SCHEMA_ID, title: "Flow document, schemaVersion 1" };
}
