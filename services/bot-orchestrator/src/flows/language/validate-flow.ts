// validateFlow: is a flow document safe to activate? First the schema (structure and bounds), then
// the graph: targets, loops that never wait, variables read before any path sets them, actions,
// JSON Logic, templates, patterns and http URLs. Every problem carries the JSON pointer of the field.
import type { z } from "zod";
import { isBuiltInReference, RESERVED_VARIABLE_ROOTS, referenceRoot } from "./built-in-variables.js";
import { FlowDocument, type JsonValue, type Step } from "./flow.schema.js";
import { allEdges, cyclesWithoutWait, variablesOnArrival, type Entry } from "./flow-graph.js";
import { checkHttpUrl } from "./http-url.js";
import { normalizeText } from "./keywords.js";
import { checkLogic, escapePointer } from "./logic-check.js";
import { checkRegex } from "./regex-safety.js";
import { checkTemplate, hasTemplateTags } from "./template-check.js";

export interface ActionDefinition {
  /** The input the action accepts, after the engine renders templates and resolves {"var": …}. */
  input: z.ZodType;
  description?: string;
  /** What the action answers in a simulation (nothing runs there); default {}. */
  example?: JsonValue;
}

/** The actions a flow may call, by name (commerce, sellers, notifications…). */
export type ActionRegistry = Readonly<Record<string, ActionDefinition>>;

export interface ValidateFlowOptions {
  actions: ActionRegistry;
  /** Ids of the bot's other flows, for `goto` with a flow. Without it, flow targets are not checked. */
  flows?: readonly string[];
  /** Names of the tenant's secrets, for http headers. Without it, secret names are not checked. */
  secrets?: readonly string[];
}

export interface FlowProblem {
  /** JSON pointer of the offending field, like /steps/ask_size/next. */
  path: string;
  /** Stable code: schema_<zod issue code>, or one of the codes listed in docs/flows.md. */
  code: string;
  message: string;
}

export type ValidateFlowResult = { ok: true; flow: FlowDocument } | { ok: false; problems: FlowProblem[] };

/** Header names that carry credentials: their value must come from a tenant secret. */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "apikey", "x-auth-token", "x-access-token"]);
/** Headers the engine sets itself. */
const RESERVED_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection", "accept-encoding"]);

export function validateFlow(document: unknown, options: ValidateFlowOptions): ValidateFlowResult {
  const parsed = FlowDocument.safeParse(document);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => ({ path: toPointer(issue.path), code: `schema_${issue.code}`, message: issue.message })) };
  }
  const flow = parsed.data;
  const problems: FlowProblem[] = [];
  const uses = new Map<string, Use[]>();
  const report = (path: string, code: string, message: string) => problems.push({ path, code, message });

  if (flow.steps[flow.start] === undefined) report("/start", "start_not_found", `the start step "${flow.start}" does not exist`);
  checkTriggers(flow, report);

  const edges = allEdges(flow);
  for (const edge of edges) {
    if (flow.steps[edge.to] === undefined) report(`/steps/${edge.from}${edge.field}`, "step_not_found", `step "${edge.to}" does not exist`);
  }
  for (const [id, step] of Object.entries(flow.steps)) {
    const stepUses: Use[] = [];
    checkStep(`/steps/${id}`, step, options, report, stepUses);
    uses.set(id, stepUses);
  }

  for (const loop of cyclesWithoutWait(flow, edges)) {
    report(
      `/steps/${loop.edge.from}${loop.edge.field}`,
      "cycle_without_wait",
      `steps ${[...loop.steps, loop.steps[0]].join(" → ")} loop without waiting for the contact (add a question, buttons, list, wait, handoff or end)`,
    );
  }

  checkVariablesBeforeUse(flow, edges, uses, report);
  return problems.length === 0 ? { ok: true, flow } : { ok: false, problems };
}

type Report = (path: string, code: string, message: string) => void;

/** A variable read by a step, with the pointer of the field that reads it. */
interface Use {
  reference: string;
  path: string;
  /** Variables set earlier in the same step (a set step's earlier assignments). */
  alsoSet?: readonly string[];
}

function checkTriggers(flow: FlowDocument, report: Report): void {
  flow.triggers.forEach((trigger, i) => {
    const path = `/triggers/${i}`;
    if (trigger.target !== undefined && flow.steps[trigger.target] === undefined) report(`${path}/target`, "step_not_found", `step "${trigger.target}" does not exist`);
    if (trigger.type === "keyword") {
      trigger.keywords.forEach((keyword, k) => {
        if (normalizeText(keyword) === "") report(`${path}/keywords/${k}`, "keyword_empty", "the keyword has no letters or digits once normalised");
      });
    }
    if (trigger.type === "regex") {
      const check = checkRegex(trigger.pattern, trigger.flags);
      if (!check.ok) report(`${path}/pattern`, check.code, check.message);
    }
  });
}

function checkStep(path: string, step: Step, options: ValidateFlowOptions, report: Report, uses: Use[]): void {
  const template = (field: string, text: string | undefined) => {
    if (text === undefined) return;
    const check = checkTemplate(text);
    if (!check.ok) report(`${path}${field}`, check.code, check.message);
    else for (const reference of check.references) uses.push({ reference, path: `${path}${field}` });
  };
  const logic = (field: string, rule: unknown, alsoSet?: readonly string[]) => {
    const check = checkLogic(rule);
    for (const problem of check.problems) report(`${path}${field}${problem.path}`, problem.code, problem.message);
    for (const reference of check.references) uses.push({ reference, path: `${path}${field}`, alsoSet });
  };
  const json = (field: string, value: JsonValue | undefined, alsoSet?: readonly string[]) => {
    if (value === undefined) return;
    for (const leaf of dynamicLeaves(value, field)) {
      if (leaf.kind === "var") uses.push({ reference: leaf.reference, path: `${path}${leaf.path}`, alsoSet });
      else {
        const check = checkTemplate(leaf.text);
        if (!check.ok) report(`${path}${leaf.path}`, check.code, check.message);
        else for (const reference of check.references) uses.push({ reference, path: `${path}${leaf.path}`, alsoSet });
      }
    }
  };
  const variable = (field: string, name: string | undefined) => {
    if (name !== undefined && RESERVED_VARIABLE_ROOTS.has(name)) report(`${path}${field}`, "variable_reserved", `"${name}" is a built-in variable and cannot be set`);
  };

  switch (step.kind) {
    case "message":
      template("/text", step.text);
      break;
    case "media":
      template("/url", step.url);
      template("/caption", step.caption);
      if (!step.url.startsWith("{{") && !step.url.toLowerCase().startsWith("https://")) report(`${path}/url`, "media_url_not_https", "a media URL must start with https://");
      break;
    case "buttons":
    case "list":
      template("/text", step.text);
      template("/retryMessage", step.retryMessage);
      break;
    case "question":
      template("/text", step.text);
      template("/retryMessage", step.retryMessage);
      variable("/variable", step.variable);
      if (step.validation.type === "regex") {
        const check = checkRegex(step.validation.pattern, step.validation.flags);
        if (!check.ok) report(`${path}/validation/pattern`, check.code, check.message);
      }
      break;
    case "decision":
      step.conditions.forEach((condition, i) => logic(`/conditions/${i}/when`, condition.when));
      break;
    case "set":
      step.assignments.forEach((assignment, i) => {
        const earlier = step.assignments.slice(0, i).map((a) => a.variable);
        variable(`/assignments/${i}/variable`, assignment.variable);
        if ("expression" in assignment) logic(`/assignments/${i}/expression`, assignment.expression, earlier);
        else json(`/assignments/${i}/value`, assignment.value, earlier);
      });
      break;
    case "action": {
      variable("/resultVariable", step.resultVariable);
      json("/input", step.input);
      const definition = Object.hasOwn(options.actions, step.action) ? options.actions[step.action] : undefined;
      if (definition === undefined) {
        report(`${path}/action`, "action_unknown", `unknown action "${step.action}"`);
        break;
      }
      const input = step.input ?? {};
      const result = definition.input.safeParse(input);
      if (!result.success) {
        for (const issue of result.error.issues) {
          // A value from a template or a variable is only known at run time: the engine checks it then.
          if (isDynamicAt(input, issue.path)) continue;
          report(`${path}/input${toPointer(issue.path)}`, "action_input_invalid", issue.message);
        }
      }
      break;
    }
    case "http": {
      const url = checkHttpUrl(step.url);
      if (!url.ok) report(`${path}/url`, url.code, url.message);
      template("/url", step.url);
      step.headers?.forEach((header, i) => {
        const name = header.name.toLowerCase();
        if (RESERVED_HEADERS.has(name)) report(`${path}/headers/${i}/name`, "http_header_reserved", `the engine sets ${header.name} itself`);
        if ("value" in header) {
          if (CREDENTIAL_HEADERS.has(name)) report(`${path}/headers/${i}/value`, "http_literal_secret", `${header.name} carries credentials: name a tenant secret ("secret") instead of writing its value`);
          template(`/headers/${i}/value`, header.value);
        } else if (options.secrets !== undefined && !options.secrets.includes(header.secret)) {
          report(`${path}/headers/${i}/secret`, "secret_unknown", `the tenant has no secret named ${header.secret}`);
        }
      });
      json("/body", step.body);
      variable("/response/statusVariable", step.response?.statusVariable);
      step.response?.map?.forEach((mapping, i) => variable(`/response/map/${i}/variable`, mapping.variable));
      break;
    }
    case "goto":
      if (step.flow !== undefined && options.flows !== undefined && !options.flows.includes(step.flow)) report(`${path}/flow`, "flow_unknown", `no flow with id "${step.flow}"`);
      break;
    case "handoff":
      template("/message", step.message);
      break;
    case "end":
      template("/message", step.message);
      break;
    case "delay":
    case "wait":
      break;
  }
}

function checkVariablesBeforeUse(flow: FlowDocument, edges: ReturnType<typeof allEdges>, uses: ReadonlyMap<string, Use[]>, report: Report): void {
  const entries: Entry[] = [{ step: flow.start, global: false }];
  for (const trigger of flow.triggers) entries.push({ step: trigger.target ?? flow.start, global: "global" in trigger && trigger.global === true });
  const arrival = variablesOnArrival(flow, edges, entries);
  const everSet = new Set(edges.flatMap((e) => e.sets));
  for (const [id, stepUses] of uses) {
    const known = arrival.get(id);
    // A step no trigger reaches is not checked: nothing can run it.
    if (known === undefined) continue;
    for (const use of stepUses) {
      if (isBuiltInReference(use.reference)) continue;
      const root = referenceRoot(use.reference);
      if (RESERVED_VARIABLE_ROOTS.has(root)) {
        report(use.path, "variable_unknown_builtin", `"${use.reference}" is not a built-in variable`);
      } else if (!known.has(root) && !(use.alsoSet ?? []).includes(root)) {
        const hint = everSet.has(root) ? "it is set only on paths that come later" : "no step sets it";
        report(use.path, "variable_not_set", `"${root}" is read before any path sets it (${hint})`);
      }
    }
  }
}

type DynamicLeaf = { kind: "var"; reference: string; path: string } | { kind: "template"; text: string; path: string };

/** Strings with template tags and {"var": "name"} objects inside a JSON value. */
function dynamicLeaves(value: JsonValue, path: string): DynamicLeaf[] {
  if (typeof value === "string") return hasTemplateTags(value) ? [{ kind: "template", text: value, path }] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => dynamicLeaves(item, `${path}/${i}`));
  if (value !== null && typeof value === "object") {
    const reference = varReference(value);
    if (reference !== undefined) return [{ kind: "var", reference, path }];
    return Object.entries(value).flatMap(([key, item]) => dynamicLeaves(item, `${path}/${escapePointer(key)}`));
  }
  return [];
}

function varReference(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const reference = (value as Record<string, unknown>)["var"];
  return keys.length === 1 && typeof reference === "string" ? reference : undefined;
}

/** Whether the value at `path` (or one of its parents) is only known at run time. */
function isDynamicAt(root: unknown, path: readonly PropertyKey[]): boolean {
  let node: unknown = root;
  for (const key of path) {
    if ((typeof node === "string" && hasTemplateTags(node)) || varReference(node) !== undefined) return true;
    if (node === null || typeof node !== "object" || typeof key === "symbol") return false;
    node = (node as Record<string, unknown>)[String(key)];
  }
  return (typeof node === "string" && hasTemplateTags(node)) || varReference(node) !== undefined;
}

function toPointer(path: readonly PropertyKey[]): string {
  return path.map((segment) => `/${escapePointer(typeof segment === "symbol" ? String(segment.description) : segment)}`).join("");
}
