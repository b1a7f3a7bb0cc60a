// A flow version made ready to run: trigger matchers built once, regular expressions compiled once,
// and its own mustache writer (mustache's module-level writer caches every template it ever sees;
// a writer per flow version is dropped with it). Compiled flows are cached per document object.
import Mustache from "mustache";
import jsonLogic from "json-logic-js";
import { createKeywordMatcher, normalizeText, type FlowDocument, type JsonValue, type KeywordMatcher, type Trigger } from "../language/index.js";

/** A flow version the engine can run: its stored id and version, and the document. */
export interface LoadedFlow {
  /** The flow's stored id. */
  id: string;
  version: number;
  document: FlowDocument;
}

export interface CompiledTrigger {
  trigger: Trigger;
  index: number;
  /** The step it starts at. */
  target: string;
  global: boolean;
  keywords?: KeywordMatcher;
  regex?: RegExp;
}

export interface CompiledFlow {
  flow: LoadedFlow;
  triggers: CompiledTrigger[];
  render(template: string, view: object): string;
  /** Renders a URL template: every value is percent-encoded (it can only fill path and query parts). */
  renderUrl(template: string, view: object): string;
  /** Option matchers of question steps, by step id and option value. */
  optionMatcher(stepId: string, options: readonly { value: string; synonyms?: readonly string[] }[]): KeywordMatcher[];
  questionRegex(stepId: string, pattern: string, flags: string | undefined): RegExp;
}

const cache = new WeakMap<FlowDocument, CompiledFlow>();

export function compileFlow(flow: LoadedFlow): CompiledFlow {
  const cached = cache.get(flow.document);
  if (cached && cached.flow.id === flow.id && cached.flow.version === flow.version) return cached;
  const writer = new Mustache.Writer();
  // Text goes to WhatsApp, not to HTML: nothing is escaped.
  const config = { escape: (value: unknown) => String(value) };
  const urlConfig = { escape: (value: unknown) => encodeURIComponent(String(value)) };
  const optionMatchers = new Map<string, KeywordMatcher[]>();
  const regexes = new Map<string, RegExp>();
  const compiled: CompiledFlow = {
    flow,
    triggers: flow.document.triggers.map((trigger, index) => ({
      trigger,
      index,
      target: trigger.target ?? flow.document.start,
      global: "global" in trigger && trigger.global === true,
      ...(trigger.type === "keyword" ? { keywords: createKeywordMatcher(trigger.keywords, trigger.match ?? "exact") } : {}),
      ...(trigger.type === "regex" ? { regex: new RegExp(trigger.pattern, trigger.flags ?? "") } : {}),
    })),
    render: (template, view) => writer.render(template, view, undefined, config),
    renderUrl: (template, view) => writer.render(template, view, undefined, urlConfig),
    optionMatcher(stepId, options) {
      let matchers = optionMatchers.get(stepId);
      if (!matchers) {
        matchers = options.map((option) => createKeywordMatcher([option.value, ...(option.synonyms ?? [])]));
        optionMatchers.set(stepId, matchers);
      }
      return matchers;
    },
    questionRegex(stepId, pattern, flags) {
      let regex = regexes.get(stepId);
      if (!regex) {
        regex = new RegExp(pattern, flags ?? "");
        regexes.set(stepId, regex);
      }
      return regex;
    },
  };
  cache.set(flow.document, compiled);
  return compiled;
}

/** Runs a JSON Logic rule (checked at activation: only vetted operators) over the view; a rule that throws counts as false / null. */
export function evaluateLogic(rule: unknown, view: object): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: jsonLogic.apply(rule as jsonLogic.RulesLogic, view) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** JSON Logic's truthiness (empty arrays are false), as its `if` uses. */
export function truthy(value: unknown): boolean {
  return jsonLogic.truthy(value);
}

/** Only JSON survives into variables: functions, undefined and non-finite numbers are dropped. */
export function toJson(value: unknown, depth = 0): JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (depth > 8) return null;
  if (Array.isArray(value)) return value.slice(0, 200).map((item) => toJson(item, depth + 1));
  if (typeof value === "object") {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value).slice(0, 200)) {
      if (item !== undefined && typeof item !== "function") out[key] = toJson(item, depth + 1);
    }
    return out;
  }
  return null;
}

export { normalizeText };
