// Is a flow ready to run? A stored version (the latest by default) or a document not stored yet,
// checked exactly as activation checks it: the flow language's validateFlow with the service's
// action registry, the slugs of the other flows of the same scope and the names of the tenant's
// secrets (an http header naming one it lacks is secret_unknown), plus the rule that a flow's
// document keeps the id it was created with.
import { AppError } from "@fleet/service-kit";
import { validateFlow, type ActionRegistry, type FlowProblem } from "./language/index.js";
import { flowNotFound, flowVersionNotFound, type FlowsRepository } from "../repositories/flows.repository.js";
import type { TenantHttpSettingsRepository } from "../repositories/tenant-http-settings.repository.js";

export interface FlowCheck {
  ok: boolean;
  problems: FlowProblem[];
  /** The version checked; null for a submitted document. */
  version: number | null;
}

export type ValidationSource = { version: number | "latest" } | { definition: unknown };

export interface FlowContext {
  actions: ActionRegistry;
  slug: string;
  /** The other flows of the same scope, for goto {flow}. */
  otherSlugs: readonly string[];
  /** The names of the tenant's secrets, for http headers. */
  secrets: readonly string[];
}

/** Every problem that keeps `document` from running as the flow `slug` in its context. */
export function checkFlow(document: unknown, { actions, slug, otherSlugs, secrets }: FlowContext): FlowProblem[] {
  const result = validateFlow(document, { actions, flows: otherSlugs, secrets });
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
  /** The tenant's secret names. */
  httpSettings: Pick<TenantHttpSettingsRepository, "get">;
}

export function createValidateFlow({ flows, actions, httpSettings }: ValidateFlowDeps) {
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
    const [slugs, { secretNames }] = await Promise.all([flows.slugsInScope(tenantId, flow.botId), httpSettings.get(tenantId)]);
    const otherSlugs = slugs.filter((slug) => slug !== flow.slug);
    const problems = checkFlow(document, { actions, slug: flow.slug, otherSlugs, secrets: secretNames });
    return { ok: problems.length === 0, problems, version };
  };
}

export type ValidateFlow = ReturnType<typeof createValidateFlow>;
