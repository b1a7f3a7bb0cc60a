// Is a flow ready to run? A stored version (the latest by default) or a document not stored yet,
// checked exactly as activation checks it: the flow language's validateFlow with the service's
// action registry and the slugs of the other flows of the same scope, plus the rule that a
// flow's document keeps the id it was created with.
import { AppError } from "@fleet/service-kit";
import { validateFlow, type ActionRegistry, type FlowProblem } from "./language/index.js";
import { flowNotFound, flowVersionNotFound, type FlowsRepository } from "../repositories/flows.repository.js";

export interface FlowCheck {
  ok: boolean;
  problems: FlowProblem[];
  /** The version checked; null for a submitted document. */
  version: number | null;
}

export type ValidationSource = { version: number | "latest" } | { definition: unknown };

/** Every problem that keeps `document` from running as the flow `slug` among `otherSlugs`. */
export function checkFlow(document: unknown, { actions, slug, otherSlugs }: { actions: ActionRegistry; slug: string; otherSlugs: readonly string[] }): FlowProblem[] {
  const result = validateFlow(document, { actions, flows: otherSlugs });
  const problems = result.ok ? [] : [...result.problems];
  const id = typeof document === "object" && document !== null && "id" in document ? document.id : undefined;
  if (typeof id === "string" && id !== slug) {
    problems.push({ path: "/id", code: "flow_id_changed", message: `this flow's id is "${slug}" and cannot change (create another flow for "${id}")` });
  }
  return problems;
}

/** The error of a document that cannot be stored or activated: every problem with its JSON pointer. */
export function flowInvalid(problems: FlowProblem[]): AppError {
  return new AppError("invalid_argument", "FLOW_INVALID", `The flow has ${problems.length} problem${problems.length === 1 ? "" : "s"}`, { details: { problems } });
}

export interface ValidateFlowDeps {
  flows: Pick<FlowsRepository, "find" | "findVersion" | "slugsInScope">;
  actions: ActionRegistry;
}

export function createValidateFlow({ flows, actions }: ValidateFlowDeps) {
  return async function validate(tenantId: string, flowId: string, source: ValidationSource): Promise<FlowCheck> {
    const detail = await flows.find(tenantId, flowId);
    if (!detail) throw flowNotFound();
    const { flow } = detail;
    let document: unknown;
    let version: number | null = null;
    if ("definition" in source) {
      document = source.definition;
    } else {
      const stored = await flows.findVersion(tenantId, flowId, source.version);
      if (!stored) throw flowVersionNotFound(source.version === "latest" ? flow.latestVersion : source.version);
      document = stored.definition;
      version = stored.version;
    }
    const otherSlugs = (await flows.slugsInScope(tenantId, flow.botId)).filter((slug) => slug !== flow.slug);
    const problems = checkFlow(document, { actions, slug: flow.slug, otherSlugs });
    return { ok: problems.length === 0, problems, version };
  };
}

export type ValidateFlow = ReturnType<typeof createValidateFlow>;
