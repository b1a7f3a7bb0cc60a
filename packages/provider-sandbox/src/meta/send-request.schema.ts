// Body of POST /{version}/{phone_number_id}/messages with Meta's documented limits, and the
// translation of a failed parse into the Graph error (131008 missing / 100 invalid) a real
// number answers with, naming the field in error_data.details.
import { z } from "zod";
import { graphError, type GraphFailure } from "./graph-error.js";

export const MESSAGE_TYPES = [
  "text", "image", "document", "audio", "video", "sticker", "interactive", "template", "location", "contacts", "reaction",
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

const httpUrl = z.url({ protocol: /^https?$/ });
/** Custom issues carry the Graph code; built-in ones are classified in toGraphFailure. */
const missingParam = { params: { graphCode: 131008 } };

const mediaSource = { id: z.string().min(1).optional(), link: httpUrl.optional() };
const hasSource = (media: { id?: string; link?: string }) => media.id !== undefined || media.link !== undefined;
const withSource = <T extends { id?: string; link?: string }>(schema: z.ZodType<T>) =>
  schema.refine(hasSource, { message: "requires a link or an id.", ...missingParam });
const caption = z.string().max(1024).optional();

const replyButton = z.strictObject({
  type: z.literal("reply"),
  reply: z.strictObject({ id: z.string().min(1).max(256), title: z.string().min(1).max(20) }),
});
const interactiveBody = z.strictObject({ text: z.string().min(1).max(1024) });
const footer = z.strictObject({ text: z.string().min(1).max(60) });

const buttonMessage = z.strictObject({
  type: z.literal("button"),
  header: z.looseObject({ type: z.enum(["text", "image", "video", "document"]), text: z.string().max(60).optional() }).optional(),
  body: interactiveBody,
  footer: footer.optional(),
  action: z.strictObject({ buttons: z.array(replyButton).min(1).max(3) }),
});

const listSection = z.strictObject({
  title: z.string().min(1).max(24).optional(),
  rows: z.array(z.strictObject({
    id: z.string().min(1).max(200),
    title: z.string().min(1).max(24),
    description: z.string().max(72).optional(),
  })).min(1).max(10),
});
const listMessage = z.strictObject({
  type: z.literal("list"),
  header: z.strictObject({ type: z.literal("text"), text: z.string().min(1).max(60) }).optional(),
  body: interactiveBody,
  footer: footer.optional(),
  action: z.strictObject({ button: z.string().min(1).max(20), sections: z.array(listSection).min(1).max(10) })
    .superRefine((action, ctx) => {
      // The 10-row limit is for the whole list, not per section.
      if (action.sections.reduce((n, s) => n + s.rows.length, 0) > 10) {
        ctx.addIssue({ code: "custom", path: ["sections"], message: "must contain at most 10 rows in total." });
      }
      if (action.sections.length > 1) {
        action.sections.forEach((s, i) => {
          if (s.title === undefined) {
            ctx.addIssue({ code: "custom", path: ["sections", i, "title"], message: "is required when there is more than one section.", ...missingParam });
          }
        });
      }
    }),
});

const templateMedia = <K extends "image" | "video" | "document">(kind: K) =>
  z.looseObject({
    type: z.literal(kind),
    [kind]: withSource(z.looseObject({ ...mediaSource, ...(kind === "document" ? { filename: z.string().min(1).max(240).optional() } : {}) })),
  });

const templateParameter = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text"), text: z.string().min(1).max(32_768), parameter_name: z.string().min(1).optional() }),
  templateMedia("image"),
  templateMedia("video"),
  templateMedia("document"),
  z.looseObject({ type: z.literal("payload"), payload: z.string().min(1).max(256) }),
  // Kinds the sandbox accepts without checking their inner shape.
  z.looseObject({
    type: z.enum(["currency", "date_time", "location", "coupon_code", "action", "product", "order_status", "limited_time_offer", "tap_target_configuration"]),
  }),
]);

const TEMPLATE_COMPONENTS = ["header", "body", "button", "carousel", "limited_time_offer"] as const;

const templateComponent = z.looseObject({
  // Graph accepts the component type in any case ("BODY" as in WhatsApp Manager).
  type: z.preprocess((v) => (typeof v === "string" ? v.toLowerCase() : v), z.enum(TEMPLATE_COMPONENTS)),
  sub_type: z.string().min(1).optional(),
  index: z.union([z.number().int().min(0).max(9), z.string().regex(/^\d$/, { message: "must be a button position from 0 to 9." })]).optional(),
  parameters: z.array(templateParameter).optional(),
}).superRefine((component, ctx) => {
  if (component.type !== "button") return;
  for (const key of ["sub_type", "index"] as const) {
    if (component[key] === undefined) ctx.addIssue({ code: "custom", path: [key], message: "is required for a button component.", ...missingParam });
  }
});

const templatePayload = z.looseObject({
  name: z.string().min(1).max(512),
  language: z.looseObject({ code: z.string().min(1), policy: z.literal("deterministic").optional() }),
  components: z.array(templateComponent).optional(),
});
export type TemplatePayload = z.infer<typeof templatePayload>;

/** Interactive kinds the sandbox accepts without checking their inner limits. */
const otherInteractive = z.looseObject({
  type: z.enum(["cta_url", "flow", "product", "product_list", "catalog_message", "location_request_message", "call_permission_request"]),
});

const payloadSchemas: Readonly<Record<MessageType, z.ZodType>> = {
  text: z.strictObject({ body: z.string().min(1).max(4096), preview_url: z.boolean().optional() }),
  image: withSource(z.strictObject({ ...mediaSource, caption })),
  video: withSource(z.strictObject({ ...mediaSource, caption })),
  document: withSource(z.strictObject({ ...mediaSource, caption, filename: z.string().min(1).max(240).optional() })),
  audio: withSource(z.strictObject(mediaSource)),
  sticker: withSource(z.strictObject(mediaSource)),
  interactive: z.discriminatedUnion("type", [buttonMessage, listMessage, otherInteractive]),
  template: templatePayload,
  location: z.looseObject({ latitude: z.union([z.number(), z.string()]), longitude: z.union([z.number(), z.string()]) }),
  contacts: z.array(z.looseObject({ name: z.looseObject({ formatted_name: z.string().min(1) }) })).min(1),
  reaction: z.strictObject({ message_id: z.string().min(1), emoji: z.string() }),
};

const typePayloadKeys = Object.fromEntries(MESSAGE_TYPES.map((t) => [t, z.unknown().optional()]));

const sendEnvelope = z.strictObject({
  messaging_product: z.literal("whatsapp"),
  recipient_type: z.enum(["individual", "group"]).optional(),
  to: z.string().min(1).regex(/\d/, { message: "is not a valid phone number." }),
  // Graph treats an absent type as "text".
  type: z.enum(MESSAGE_TYPES).default("text"),
  context: z.strictObject({ message_id: z.string().min(1) }).optional(),
  biz_opaque_callback_data: z.string().max(512).optional(),
  ...typePayloadKeys,
});

const markRead = z.strictObject({
  messaging_product: z.literal("whatsapp"),
  status: z.literal("read"),
  message_id: z.string().min(1),
  typing_indicator: z.strictObject({ type: z.literal("text") }).optional(),
});

/** A media id a send refers to, with the parameter Graph names when the id is unknown. */
export interface MediaIdRef {
  /** Graph's notation, e.g. image['id'] or template['components'][0]['parameters'][0]['image']['id']. */
  param: string;
  id: string;
}

export type MessagesRequest =
  | {
    kind: "send";
    to: string;
    type: MessageType;
    body: Record<string, unknown>;
    /** Uploaded media the message uses by id (media messages and template parameters). */
    mediaIds: MediaIdRef[];
    /** The parsed template of a template message. */
    template?: TemplatePayload;
  }
  | { kind: "read"; messageId: string; body: Record<string, unknown> };

export type ParseResult = { ok: true; request: MessagesRequest } | { ok: false; failure: GraphFailure };

export function parseMessagesRequest(body: unknown): ParseResult {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, failure: graphError(100, { details: "The request body must be a JSON object." }) };
  }
  const record = body as Record<string, unknown>;
  if ("status" in record) {
    const read = markRead.safeParse(record);
    return read.success
      ? { ok: true, request: { kind: "read", messageId: read.data.message_id, body: record } }
      : { ok: false, failure: toGraphFailure(read.error.issues, record) };
  }
  const envelope = sendEnvelope.safeParse(record);
  if (!envelope.success) return { ok: false, failure: toGraphFailure(envelope.error.issues, record) };
  const { type, to } = envelope.data;
  const payload = z.object({ [type]: payloadSchemas[type] }).safeParse(record);
  if (!payload.success) return { ok: false, failure: toGraphFailure(payload.error.issues, record) };
  if (type === "template") {
    const template = templatePayload.parse(record.template);
    return { ok: true, request: { kind: "send", to, type, body: record, mediaIds: templateMediaIds(template), template } };
  }
  return { ok: true, request: { kind: "send", to, type, body: record, mediaIds: messageMediaIds(type, record[type]) } };
}

const MEDIA_MESSAGE_TYPES: readonly MessageType[] = ["image", "document", "audio", "video", "sticker"];

function idOf(media: unknown): string | undefined {
  if (typeof media !== "object" || media === null || !("id" in media)) return undefined;
  return typeof media.id === "string" ? media.id : undefined;
}

function messageMediaIds(type: MessageType, payload: unknown): MediaIdRef[] {
  const id = MEDIA_MESSAGE_TYPES.includes(type) ? idOf(payload) : undefined;
  return id === undefined ? [] : [{ param: formatPath([type, "id"]), id }];
}

function templateMediaIds(template: TemplatePayload): MediaIdRef[] {
  return (template.components ?? []).flatMap((component, c) =>
    (component.parameters ?? []).flatMap((parameter, p) => {
      if (parameter.type !== "image" && parameter.type !== "video" && parameter.type !== "document") return [];
      const id = idOf(parameter[parameter.type]);
      return id === undefined ? [] : [{ param: formatPath(["template", "components", c, "parameters", p, parameter.type, "id"]), id }];
    }));
}

/** Graph's own notation for nested params: text['body'], interactive['action']['buttons'][0]. */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((seg, i) => (typeof seg === "number" ? `[${seg}]` : i === 0 ? String(seg) : `['${String(seg)}']`))
    .join("");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const seg of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[seg];
  }
  return value;
}

function toGraphFailure(issues: readonly z.core.$ZodIssue[], body: unknown): GraphFailure {
  const issue = issues[0];
  if (issue === undefined) return graphError(100);
  const param = formatPath(issue.path);
  const missing = (details = `The parameter ${param} is required.`) => graphError(131008, { details });
  const invalid = (details: string) => graphError(100, { details });
  switch (issue.code) {
    case "invalid_type":
      return valueAt(body, issue.path) === undefined ? missing() : invalid(`Param ${param} must be of type ${issue.expected}.`);
    case "invalid_union":
      return valueAt(body, issue.path) === undefined ? missing() : invalid(`Param ${param} is invalid. ${issue.message}`);
    case "invalid_value":
      if (valueAt(body, issue.path) === undefined) return missing();
      return invalid(`Param ${param} must be one of {${issue.values.map(String).join(", ")}}.`);
    case "too_big":
      return invalid(issue.origin === "array"
        ? `Param ${param} must contain at most ${String(issue.maximum)} elements.`
        : `Param ${param} must be at most ${String(issue.maximum)} characters long.`);
    case "too_small":
      return invalid(issue.origin === "array"
        ? `Param ${param} must contain at least ${String(issue.minimum)} elements.`
        : `Param ${param} must be at least ${String(issue.minimum)} characters long.`);
    case "unrecognized_keys":
      return invalid(`Unexpected key "${issue.keys.join(", ")}" on param "${param || "<root>"}".`);
    case "invalid_format":
      return invalid(issue.format === "regex" ? `Param ${param} ${issue.message}` : `Param ${param} is not a valid ${issue.format}.`);
    case "custom": {
      const graphCode = typeof issue.params?.graphCode === "number" ? issue.params.graphCode : 100;
      return graphError(graphCode, { details: `Param ${param} ${issue.message}` });
    }
    default:
      return invalid(`Param ${param} is invalid.`);
  }
}
