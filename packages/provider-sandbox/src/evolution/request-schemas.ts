// Request bodies of the Evolution endpoints the sandbox serves, parsed with zod but rejected in
// Evolution's words: its routes validate with JSON Schema (the `jsonschema` package) and answer
// 400 with every message in one nested array, e.g. [["instance requires property \"text\""]].
// A field's schema `description` replaces the library's text (number: "Invalid format",
// delay: "Enter a value in milliseconds", empty required strings: 'The "x" cannot be empty');
// missing required properties are listed after the other problems, as jsonschema reports them.
import { z } from "zod";
import { badRequest } from "./evolution-error.js";
import { WEBHOOK_EVENTS } from "./instance-registry.js";

const quotedSchema = z.object({
  key: z.object({ id: z.string().min(1), remoteJid: z.string().optional(), fromMe: z.boolean().optional() }).optional(),
  message: z.record(z.string(), z.unknown()).optional(),
});

const sendOptions = {
  delay: z.number().int().optional(),
  quoted: quotedSchema.optional(),
  mentionsEveryOne: z.boolean().optional(),
  everyOne: z.boolean().optional(),
  mentioned: z.array(z.string().regex(/^\d+/)).min(1).optional(),
};

const sendDescriptions = {
  number: "Invalid format",
  delay: "Enter a value in milliseconds",
  "quoted.key.id": 'The "id" cannot be empty',
  "mentioned.*": '"mentioned" must be an array of numeric strings',
};

export const sendTextSchema = z.object({
  number: z.string(),
  text: z.string(),
  linkPreview: z.boolean().optional(),
  ...sendOptions,
});
export type SendTextRequest = z.infer<typeof sendTextSchema>;

export const MEDIA_TYPES = ["image", "document", "video", "audio"] as const;

export const sendMediaSchema = z.object({
  number: z.string(),
  mediatype: z.enum(MEDIA_TYPES),
  mimetype: z.string().optional(),
  media: z.string().optional(),
  fileName: z.string().optional(),
  caption: z.string().optional(),
  ...sendOptions,
});
export type SendMediaRequest = z.infer<typeof sendMediaSchema>;

const webhookFields = {
  url: z.string().min(1),
  headers: z.record(z.string(), z.unknown()).optional(),
  byEvents: z.boolean().optional(),
  base64: z.boolean().optional(),
  events: z.array(z.enum(WEBHOOK_EVENTS)).optional(),
};

export const setWebhookSchema = z.object({
  webhook: z.object({ enabled: z.boolean(), ...webhookFields }),
});
export type SetWebhookRequest = z.infer<typeof setWebhookSchema>;

export const createInstanceSchema = z.object({
  instanceName: z.string().min(1),
  token: z.string().optional(),
  number: z.string().regex(/^\d+[.@\w-]+/).optional(),
  qrcode: z.boolean().optional(),
  integration: z.string().optional(),
  rejectCall: z.boolean().optional(),
  msgCall: z.string().optional(),
  groupsIgnore: z.boolean().optional(),
  alwaysOnline: z.boolean().optional(),
  readMessages: z.boolean().optional(),
  readStatus: z.boolean().optional(),
  syncFullHistory: z.boolean().optional(),
  webhook: z.object({ enabled: z.boolean().optional(), ...webhookFields }).optional(),
});
export type CreateInstanceRequest = z.infer<typeof createInstanceSchema>;

export const whatsappNumbersSchema = z.object({
  numbers: z.array(z.string().regex(/^\d+/)).min(1),
});

const createDescriptions = { instanceName: 'The "instanceName" cannot be empty', "webhook.url": 'The "url" cannot be empty' };
const webhookDescriptions = { "webhook.url": 'The "url" cannot be empty' };
const numbersDescriptions = { "numbers.*": '"numbers" must be an array of numeric strings' };

export const parseSendText = (body: unknown): SendTextRequest => parseEvolutionBody(sendTextSchema, body, sendDescriptions);
export const parseSendMedia = (body: unknown): SendMediaRequest => parseEvolutionBody(sendMediaSchema, body, sendDescriptions);
export const parseSetWebhook = (body: unknown): SetWebhookRequest => parseEvolutionBody(setWebhookSchema, body, webhookDescriptions);
export const parseCreateInstance = (body: unknown): CreateInstanceRequest => parseEvolutionBody(createInstanceSchema, body, createDescriptions);
export const parseWhatsappNumbers = (body: unknown): { numbers: string[] } => parseEvolutionBody(whatsappNumbersSchema, body, numbersDescriptions);

/** Parses `body` or throws Evolution's 400 with jsonschema-style messages. */
export function parseEvolutionBody<T>(schema: z.ZodType<T>, body: unknown, descriptions: Readonly<Record<string, string>> = {}): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems: string[] = [];
  const missing: string[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map((segment) => (typeof segment === "symbol" ? segment.toString() : segment));
    const last = path.at(-1);
    if (last !== undefined && valueAt(body, path) === undefined) {
      missing.push(`${propertyPath(path.slice(0, -1)) || "instance"} requires property "${String(last)}"`);
      continue;
    }
    const describedKey = path.map((segment) => (typeof segment === "number" ? "*" : segment)).join(".");
    problems.push(descriptions[describedKey] ?? describe(issue, propertyPath(path)));
  }
  throw badRequest([...problems, ...missing]);
}

function describe(issue: z.core.$ZodIssue, path: string): string {
  const subject = path || "instance";
  switch (issue.code) {
    case "invalid_type":
      return `${subject} is not of a type(s) ${issue.expected === "int" ? "integer" : issue.expected}`;
    case "invalid_value":
      return `${subject} is not one of enum values: ${issue.values.map(String).join(",")}`;
    case "too_small":
      return `${subject} does not meet minimum length of ${String(issue.minimum)}`;
    case "invalid_format":
      return "pattern" in issue && typeof issue.pattern === "string"
        ? `${subject} does not match pattern ${JSON.stringify(issue.pattern.replace(/^\/(.*)\/[a-z]*$/, "$1"))}`
        : `${subject} ${issue.message}`;
    default:
      return `${subject} ${issue.message}`;
  }
}

/** jsonschema's property path without its "instance." prefix: a.b[0].c */
function propertyPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((text, segment) => (typeof segment === "number" ? `${text}[${segment}]` : text === "" ? segment : `${text}.${segment}`), "");
}

function valueAt(body: unknown, path: readonly (string | number)[]): unknown {
  let current: unknown = body;
  for (const segment of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = Reflect.get(current, segment);
  }
  return current;
}
