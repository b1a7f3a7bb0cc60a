// The flow language, version 1: one zod schema for a stored flow document. Every string, array,
// number and map is bounded so that a stored flow is always sane to load and run. Structural
// rules live here; rules that need the whole graph (targets, cycles, variables, actions) live in
// validate-flow.ts. Rules that JSON Schema cannot express are listed in ZOD_ONLY_RULES.
import { z } from "zod";

export const FLOW_SCHEMA_VERSION = 1;

export const LIMITS = {
  steps: 200,
  triggers: 50,
  keywordsPerTrigger: 50,
  keywordLength: 60,
  stepIdLength: 64,
  variableNameLength: 40,
  /** WhatsApp's limit for a text message body. */
  text: 4096,
  /** WhatsApp's limit for an interactive message body and a media caption. */
  interactiveBody: 1024,
  caption: 1024,
  header: 60,
  footer: 60,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  listSections: 10,
  listRows: 10,
  listButtonLabel: 20,
  listSectionTitle: 24,
  listRowTitle: 24,
  listRowDescription: 72,
  listRowId: 200,
  questionOptions: 20,
  optionSynonyms: 10,
  regexPattern: 200,
  decisionConditions: 20,
  assignments: 20,
  httpHeaders: 20,
  httpResponseMappings: 20,
  url: 2000,
  jsonString: 2000,
  jsonArray: 50,
  jsonObjectKeys: 50,
  retries: 10,
  /** A delay only paces sends: at most 5 minutes. */
  delaySeconds: 300,
  /** A wait or a hand-off lasts at most 7 days. */
  waitSeconds: 7 * 24 * 3600,
  httpTimeoutMs: 30_000,
  actionTimeoutMs: 30_000,
} as const;

/** Step ids: lower case letters, digits, `_` and `-` (so they never need escaping in a JSON pointer). */
export const StepId = z.string().regex(/^[a-z0-9_][a-z0-9_-]*$/, "lower case letters, digits, _ and -").max(LIMITS.stepIdLength);
export const FlowId = z.string().regex(/^[a-z0-9_][a-z0-9_-]*$/, "lower case letters, digits, _ and -").max(64);
/** A conversation variable set by the flow. Dotted names belong to the built-ins (contact.name…). */
export const VariableName = z.string().regex(/^[a-z][a-z0-9_]*$/, "lower case letters, digits and _, starting with a letter").max(LIMITS.variableNameLength);
/** A reference to a variable: a flow variable, or a built-in such as contact.name, with an optional .path inside it. */
export const VariablePath = z.string().regex(/^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)*$/, "a variable name, optionally followed by .field").max(120);
export const SecretName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, "upper case letters, digits and _").max(64);

/** Mustache text: `{{variable}}` is replaced, nothing else runs. */
const template = (max: number) => z.string().min(1).max(max);

// JSON values with bounded depth, length and size: action inputs, http bodies, set values (depth 4)
// and JSON Logic rules (depth 8). Built level by level, not recursively, so the JSON Schema has the same bounds.
const JSON_KEY_LENGTH = 100;
const boundedRecord = <T extends z.ZodType>(value: T) =>
  z
    .record(z.string().max(JSON_KEY_LENGTH), value)
    .refine((o) => Object.keys(o).length <= LIMITS.jsonObjectKeys, `at most ${LIMITS.jsonObjectKeys} keys`)
    .meta({ maxProperties: LIMITS.jsonObjectKeys });
const JsonScalar = z.union([z.string().max(LIMITS.jsonString), z.number(), z.boolean(), z.null()]);
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
function boundedJson(depth: number): z.ZodType<JsonValue> {
  if (depth === 0) return JsonScalar;
  const inner = boundedJson(depth - 1);
  return z.union([JsonScalar, z.array(inner).max(LIMITS.jsonArray), boundedRecord(inner)]);
}
const JsonLevels = [boundedJson(0), boundedJson(1), boundedJson(2), boundedJson(3), boundedJson(8)] as const;
/** Any JSON value nested at most 4 deep; strings up to 2000 characters, arrays up to 50 items, objects up to 50 keys. */
export const JsonValue = JsonLevels[3];

/**
 * Whether a value is within JsonValue's bounds, checked directly: what `JsonValue` accepts, without
 * the union's failed tries (each of which builds its issues). About 20 times faster on a
 * conversation's variables, which are checked on every turn. Keep it in step with `boundedJson`
 * (flow.schema.test.ts compares the two).
 */
export function isBoundedJson(value: unknown, depth = 3): value is JsonValue {
  switch (typeof value) {
    case "string":
      return value.length <= LIMITS.jsonString;
    case "number":
      return Number.isFinite(value);
    case "boolean":
      return true;
    case "object": {
      if (value === null) return true;
      if (depth === 0) return false;
      if (Array.isArray(value)) return value.length <= LIMITS.jsonArray && value.every((item) => isBoundedJson(item, depth - 1));
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return false;
      const keys = Object.keys(value);
      if (keys.length > LIMITS.jsonObjectKeys) return false;
      const record = value as Record<string, unknown>;
      return keys.every((key) => key.length <= JSON_KEY_LENGTH && isBoundedJson(record[key], depth - 1));
    }
    default:
      return false;
  }
}

/** A JSON Logic rule (https://jsonlogic.com), nested at most 8 deep, checked against the allowed operators by validate-flow. */
export const JsonLogicRule = JsonLevels[4];

// ---- triggers -------------------------------------------------------------------------------

const triggerBase = {
  /** The step the trigger starts at (default: the flow's `start`). */
  target: StepId.optional(),
};
/**
 * Global intents also apply while the conversation waits in any step ("menu", "0"), keeping its
 * variables — except that a keyword intent matching words inside a message (match "word") does not
 * interrupt a step that takes free text (a text question, a wait): an address on "Anillo
 * Periférico" stays the address. An intent that is the whole message always applies.
 */
const globalFlag = { global: z.boolean().optional() };

export const KeywordTrigger = z.strictObject({
  type: z.literal("keyword"),
  keywords: z.array(z.string().min(1).max(LIMITS.keywordLength)).min(1).max(LIMITS.keywordsPerTrigger),
  /** exact: the whole message is the keyword (default); word: the keyword appears as whole words. */
  match: z.enum(["exact", "word"]).optional(),
  ...triggerBase,
  ...globalFlag,
});
export const RegexTrigger = z.strictObject({
  type: z.literal("regex"),
  pattern: z.string().min(1).max(LIMITS.regexPattern),
  flags: z.string().regex(/^[imsu]*$/).max(4).optional(),
  ...triggerBase,
  ...globalFlag,
});
export const FirstContactTrigger = z.strictObject({ type: z.literal("first_contact"), ...triggerBase });
export const MediaTrigger = z.strictObject({
  type: z.literal("media"),
  mediaTypes: z.array(z.enum(["image", "document", "audio", "video", "sticker"])).min(1).max(5).optional(),
  ...triggerBase,
  ...globalFlag,
});
export const LocationTrigger = z.strictObject({ type: z.literal("location"), ...triggerBase, ...globalFlag });
/** A tap on a button or list row whose payload is not handled by the current step (e.g. a template's button). */
export const PayloadTrigger = z.strictObject({
  type: z.literal("payload"),
  payloads: z.array(z.string().min(1).max(LIMITS.buttonId)).min(1).max(LIMITS.keywordsPerTrigger),
  ...triggerBase,
  ...globalFlag,
});
/** A named timer scheduled outside the flow's own waits (e.g. a reminder) fired. */
export const TimerTrigger = z.strictObject({ type: z.literal("timer"), timer: z.string().regex(/^[a-z0-9_-]+$/).max(64), ...triggerBase });

export const Trigger = z.discriminatedUnion("type", [KeywordTrigger, RegexTrigger, FirstContactTrigger, MediaTrigger, LocationTrigger, PayloadTrigger, TimerTrigger]);
export type Trigger = z.infer<typeof Trigger>;

// ---- steps ----------------------------------------------------------------------------------

export const MessageStep = z.strictObject({ kind: z.literal("message"), text: template(LIMITS.text), next: StepId });

export const MediaStep = z.strictObject({
  kind: z.literal("media"),
  mediaType: z.enum(["image", "document", "audio", "video"]),
  /** https URL template of the file. */
  url: template(LIMITS.url),
  caption: template(LIMITS.caption).optional(),
  filename: z.string().min(1).max(240).optional(),
  next: StepId,
});

/** What a waiting step does with an answer it cannot use. */
const retryFields = {
  /** Sent when the answer is not valid (default: the step's text again). */
  retryMessage: template(LIMITS.interactiveBody).optional(),
  /** Re-asks this many times (default 2), then goes to `onFail`. */
  maxRetries: z.number().int().min(0).max(LIMITS.retries).optional(),
};

/** An interactive message (buttons, list): body, optional header and footer, and what to do with other answers. */
const interactiveFields = {
  text: template(LIMITS.interactiveBody),
  header: z.string().min(1).max(LIMITS.header).optional(),
  footer: z.string().min(1).max(LIMITS.footer).optional(),
  ...retryFields,
  /** Without it, the step stops re-asking after `maxRetries` and keeps waiting. */
  onFail: StepId.optional(),
};

export const ButtonOption = z.strictObject({
  /** The payload WhatsApp returns when the button is tapped. */
  id: z.string().min(1).max(LIMITS.buttonId),
  title: z.string().min(1).max(LIMITS.buttonTitle),
  /** Other words that choose it when typed (matched like keywords: case, accents, typos). */
  synonyms: z.array(z.string().min(1).max(LIMITS.keywordLength)).max(LIMITS.optionSynonyms).optional(),
  next: StepId,
});
export const ButtonsStep = z
  .strictObject({
    kind: z.literal("buttons"),
    ...interactiveFields,
    buttons: z.array(ButtonOption).min(1).max(LIMITS.buttons),
  })
  .superRefine((step, ctx) => uniqueIds(step.buttons, ["buttons"], ctx));

export const ListRow = z.strictObject({
  id: z.string().min(1).max(LIMITS.listRowId),
  title: z.string().min(1).max(LIMITS.listRowTitle),
  description: z.string().min(1).max(LIMITS.listRowDescription).optional(),
  /** Other words that choose it when typed (matched like keywords: case, accents, typos). */
  synonyms: z.array(z.string().min(1).max(LIMITS.keywordLength)).max(LIMITS.optionSynonyms).optional(),
  next: StepId,
});
export const ListSection = z.strictObject({
  title: z.string().min(1).max(LIMITS.listSectionTitle).optional(),
  rows: z.array(ListRow).min(1).max(LIMITS.listRows),
});
export const ListStep = z
  .strictObject({
    kind: z.literal("list"),
    ...interactiveFields,
    /** The label of the button that opens the list. */
    buttonLabel: z.string().min(1).max(LIMITS.listButtonLabel),
    sections: z.array(ListSection).min(1).max(LIMITS.listSections),
  })
  .superRefine((step, ctx) => {
    const rows = step.sections.flatMap((section) => section.rows);
    if (rows.length > LIMITS.listRows) {
      ctx.addIssue({ code: "custom", path: ["sections"], message: `a list holds at most ${LIMITS.listRows} rows in all its sections (has ${rows.length})` });
    }
    if (step.sections.length > 1 && step.sections.some((section) => section.title === undefined)) {
      ctx.addIssue({ code: "custom", path: ["sections"], message: "every section needs a title when a list has more than one" });
    }
    uniqueIds(rows, ["sections"], ctx);
  });

export const QuestionOption = z.strictObject({
  /** Stored in the variable when chosen. */
  value: z.string().min(1).max(100),
  /** Other words that choose it (matched like keywords: case, accents, typos). */
  synonyms: z.array(z.string().min(1).max(LIMITS.keywordLength)).max(LIMITS.optionSynonyms).optional(),
});
export const QuestionValidation = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("options"), options: z.array(QuestionOption).min(1).max(LIMITS.questionOptions) }),
  z.strictObject({ type: z.literal("number"), min: z.number().optional(), max: z.number().optional(), integer: z.boolean().optional() }),
  z.strictObject({ type: z.literal("regex"), pattern: z.string().min(1).max(LIMITS.regexPattern), flags: z.string().regex(/^[imsu]*$/).max(4).optional() }),
  z.strictObject({ type: z.literal("email") }),
  z.strictObject({ type: z.literal("phone") }),
  z.strictObject({
    type: z.literal("text"),
    minLength: z.number().int().min(0).max(LIMITS.text).optional(),
    maxLength: z.number().int().min(1).max(LIMITS.text).optional(),
  }),
]);
export type QuestionValidation = z.infer<typeof QuestionValidation>;

export const QuestionStep = z
  .strictObject({
    kind: z.literal("question"),
    text: template(LIMITS.text),
    /** The answer is stored here once valid. */
    variable: VariableName,
    validation: QuestionValidation,
    ...retryFields,
    /** Where to go after `maxRetries` invalid answers. */
    onFail: StepId,
    next: StepId,
  })
  .superRefine((step, ctx) => {
    const v = step.validation;
    if (v.type === "number" && v.min !== undefined && v.max !== undefined && v.min > v.max) {
      ctx.addIssue({ code: "custom", path: ["validation", "min"], message: "min is greater than max" });
    }
    if (v.type === "text" && v.minLength !== undefined && v.maxLength !== undefined && v.minLength > v.maxLength) {
      ctx.addIssue({ code: "custom", path: ["validation", "minLength"], message: "minLength is greater than maxLength" });
    }
  });

export const DecisionStep = z.strictObject({
  kind: z.literal("decision"),
  /** Checked in order; the first rule that is truthy chooses its `next`. */
  conditions: z.array(z.strictObject({ when: JsonLogicRule, next: StepId })).min(1).max(LIMITS.decisionConditions),
  default: StepId,
});

export const Assignment = z.union([
  /** A literal JSON value; strings are mustache templates. */
  z.strictObject({ variable: VariableName, value: JsonValue }),
  /** The result of a JSON Logic rule over the conversation's variables. */
  z.strictObject({ variable: VariableName, expression: JsonLogicRule }),
]);
export type Assignment = z.infer<typeof Assignment>;
export const SetStep = z.strictObject({ kind: z.literal("set"), assignments: z.array(Assignment).min(1).max(LIMITS.assignments), next: StepId });

export const ActionStep = z.strictObject({
  kind: z.literal("action"),
  /** A name from the service's action registry (commerce, sellers, notifications…). */
  action: z.string().regex(/^[a-z][a-z0-9_.]*$/).max(64),
  /** Checked against the action's declared input schema; strings are templates, {"var": "x"} passes a variable as is. */
  input: boundedRecord(JsonLevels[2]).optional(),
  /** Stores the action's result (an object: branch on it with a decision). */
  resultVariable: VariableName.optional(),
  timeoutMs: z.number().int().min(100).max(LIMITS.actionTimeoutMs).optional(),
  next: StepId,
  onError: StepId,
});

export const HttpHeader = z.union([
  z.strictObject({ name: z.string().regex(/^[A-Za-z0-9-]+$/).max(64), value: z.string().max(1000) }),
  /** The value comes from the tenant's secret of that NAME (never stored in the flow), after an optional prefix such as "Bearer ". */
  z.strictObject({ name: z.string().regex(/^[A-Za-z0-9-]+$/).max(64), secret: SecretName, prefix: z.string().max(20).optional() }),
]);
export type HttpHeader = z.infer<typeof HttpHeader>;

export const HttpStep = z.strictObject({
  kind: z.literal("http"),
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]),
  /** https URL template; the host must be written out (no template in the host). */
  url: z.string().min(1).max(LIMITS.url),
  headers: z.array(HttpHeader).max(LIMITS.httpHeaders).optional(),
  /** A JSON body: strings are templates, {"var": "x"} passes a variable as is. */
  body: JsonValue.optional(),
  timeoutMs: z.number().int().min(100).max(LIMITS.httpTimeoutMs),
  response: z
    .strictObject({
      /** Stores the HTTP status code. */
      statusVariable: VariableName.optional(),
      /** Each variable gets the value at a JSON pointer of the JSON response (e.g. /data/status). */
      map: z
        .array(z.strictObject({ variable: VariableName, pointer: z.string().regex(/^(\/[^/]*)*$/).max(200) }))
        .max(LIMITS.httpResponseMappings)
        .optional(),
    })
    .optional(),
  /** After a 2xx answer. */
  next: StepId,
  /** After a timeout, a network error, a non-2xx answer or a host the tenant does not allow. */
  onError: StepId,
});

export const DelayStep = z.strictObject({ kind: z.literal("delay"), seconds: z.number().int().min(1).max(LIMITS.delaySeconds), next: StepId });

export const WaitStep = z.strictObject({
  kind: z.literal("wait"),
  seconds: z.number().int().min(1).max(LIMITS.waitSeconds),
  /** After `seconds` without a message from the contact. */
  next: StepId,
  /** When the contact writes first (the message is then handled by that step's input, if it waits). */
  onReply: StepId,
});

export const GotoStep = z
  .strictObject({
    kind: z.literal("goto"),
    /** A step of this flow… */
    step: StepId.optional(),
    /** …or another flow of the same bot, by id (it starts at its `start`). */
    flow: FlowId.optional(),
  })
  .refine((g) => (g.step === undefined) !== (g.flow === undefined), { message: "a goto names either a step or a flow" })
  .meta({ oneOf: [{ required: ["step"] }, { required: ["flow"] }] });

export const HandoffStep = z.strictObject({
  kind: z.literal("handoff"),
  /** Sent to the contact when staff takes over. */
  message: template(LIMITS.text).optional(),
  /** The bot resumes by itself after this long if staff does not resume it first. */
  timeoutSeconds: z.number().int().min(60).max(LIMITS.waitSeconds),
  /** Where the bot resumes. */
  next: StepId,
});

export const EndStep = z.strictObject({ kind: z.literal("end"), message: template(LIMITS.text).optional() });

export const Step = z.discriminatedUnion("kind", [
  MessageStep,
  MediaStep,
  ButtonsStep,
  ListStep,
  QuestionStep,
  DecisionStep,
  SetStep,
  ActionStep,
  HttpStep,
  DelayStep,
  WaitStep,
  GotoStep,
  HandoffStep,
  EndStep,
]);
export type Step = z.infer<typeof Step>;
export type StepKind = Step["kind"];
export type StepOf<K extends StepKind> = Extract<Step, { kind: K }>;

export const FlowDocument = z.strictObject({
  schemaVersion: z.literal(FLOW_SCHEMA_VERSION),
  id: FlowId,
  name: z.string().min(1).max(100),
  description: z.string().max(500).optional(),
  /** The step a conversation starts at when a trigger names no target. */
  start: StepId,
  triggers: z.array(Trigger).max(LIMITS.triggers),
  steps: z
    .record(StepId, Step)
    .refine((steps) => Object.keys(steps).length >= 1, "a flow has at least one step")
    .refine((steps) => Object.keys(steps).length <= LIMITS.steps, `a flow has at most ${LIMITS.steps} steps`)
    .meta({ minProperties: 1, maxProperties: LIMITS.steps }),
});
export type FlowDocument = z.infer<typeof FlowDocument>;

/** Rules zod checks that JSON Schema cannot express: the editor learns them from validateFlow. */
export const ZOD_ONLY_RULES = [
  "option ids (button ids, list row ids) are unique within a step",
  "a list holds at most 10 rows across all its sections, and every section has a title when there are several",
  "question validation ranges: min ≤ max, minLength ≤ maxLength",
] as const;

function uniqueIds(options: readonly { id: string }[], path: (string | number)[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  for (const option of options) {
    if (seen.has(option.id)) ctx.addIssue({ code: "custom", path, message: `option id "${option.id}" is used twice` });
    seen.add(option.id);
  }
}
