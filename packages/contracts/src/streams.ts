// Schemas of the JSON carried on Redis streams. Every entry has a schema
// version `v`, a unique `id`, the `tenantId` it belongs to and `occurredAt`.
import { z } from "zod";

export const STREAMS = {
  /** Everything that happened, from every service, read by the analytics-worker. */
  events: "events",
} as const;

export const providerKinds = ["baileys", "meta", "official", "twilio", "evolution"] as const;
export const ProviderKindSchema = z.enum(providerKinds);
export type ProviderKindName = z.infer<typeof ProviderKindSchema>;

const envelope = {
  id: z.string().min(1).max(256),
  tenantId: z.string().min(1).max(64),
  occurredAt: z.iso.datetime({ offset: true }),
};

const MediaSchema = z.object({
  kind: z.enum(["image", "document", "audio", "video", "sticker"]),
  /** The provider's own reference; the adapter fetches the bytes with it on demand (never a URL to fetch blindly). */
  providerMediaId: z.string().optional(),
  url: z.string().optional(),
  mimeType: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
});

const LocationSchema = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  name: z.string().optional(),
  address: z.string().optional(),
});

const ContactCardSchema = z.object({ name: z.string(), phones: z.array(z.string()) });

export const inboundMessageTypes = ["text", "media", "button_reply", "list_reply", "location", "contacts", "reaction", "unsupported"] as const;

export const InboundMessageSchema = z.object({
  v: z.literal(1),
  kind: z.literal("message"),
  ...envelope,
  botId: z.string().min(1),
  provider: ProviderKindSchema,
  providerMessageId: z.string().min(1),
  /** Contact address as the provider gives it (digits, or a JID for Baileys). */
  from: z.string().min(1),
  contactName: z.string().optional(),
  type: z.enum(inboundMessageTypes),
  /** The text, a media caption, or the title of the chosen button or row. */
  text: z.string().optional(),
  media: MediaSchema.optional(),
  location: LocationSchema.optional(),
  contacts: z.array(ContactCardSchema).optional(),
  /** A reaction to one of our messages; an empty emoji removes the reaction. */
  reaction: z.object({ providerMessageId: z.string(), emoji: z.string() }).optional(),
  /**
   * Payload of the button or list row the contact chose — also when the provider could not show
   * buttons and the contact answered the numbered text with its number or its title.
   */
  replyId: z.string().optional(),
});
export type InboundMessage = z.infer<typeof InboundMessageSchema>;

export const DeliveryStatusSchema = z.object({
  v: z.literal(1),
  kind: z.literal("status"),
  ...envelope,
  botId: z.string().min(1),
  provider: ProviderKindSchema,
  providerMessageId: z.string().min(1),
  recipient: z.string(),
  status: z.enum(["sent", "delivered", "read", "failed"]),
  errors: z.array(z.object({ code: z.string(), title: z.string().optional() })).optional(),
});
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

/** What the adapter appends to the inbound partitions: what providers reported. */
export const ProviderEntrySchema = z.discriminatedUnion("kind", [InboundMessageSchema, DeliveryStatusSchema]);
export type ProviderEntry = z.infer<typeof ProviderEntrySchema>;

/**
 * A conversation's durable timer fell due (a flow's wait, delay or hand-off timeout). The
 * orchestrator appends it to the conversation's partition, so it is ordered with the contact's
 * messages; its id is `timer:<timerId>`, fired once.
 */
export const TimerFiredSchema = z.object({
  v: z.literal(1),
  kind: z.literal("timer"),
  ...envelope,
  botId: z.string().min(1),
  contact: z.string().min(1),
  timerId: z.string().min(1).max(200),
  /** A named timer (scheduled outside a flow's own waits) fires the flow's timer trigger of that name. */
  name: z.string().max(64).optional(),
});
export type TimerFired = z.infer<typeof TimerFiredSchema>;

/** Staff hands a paused conversation back to the bot (ordered with the contact's messages, like a timer). */
export const ConversationResumedSchema = z.object({
  v: z.literal(1),
  kind: z.literal("resume"),
  ...envelope,
  botId: z.string().min(1),
  contact: z.string().min(1),
  /** The staff user who resumed it. */
  by: z.string().max(64).optional(),
});
export type ConversationResumed = z.infer<typeof ConversationResumedSchema>;

/** Staff pauses the bot for a contact until `until` (ordered with the contact's messages, like a resume). */
export const ConversationPausedSchema = z.object({
  v: z.literal(1),
  kind: z.literal("pause"),
  ...envelope,
  botId: z.string().min(1),
  contact: z.string().min(1),
  /** Epoch milliseconds: the bot takes the contact back then, unless staff resumes it first. */
  until: z.number().int().positive(),
  /** The staff user (or seller) who paused it. */
  by: z.string().max(64).optional(),
});
export type ConversationPaused = z.infer<typeof ConversationPausedSchema>;

/** What is appended to the inbound partition streams (`wa.inbound.{inbound.N}`, see partitions.ts). */
export const InboundEntrySchema = z.discriminatedUnion("kind", [InboundMessageSchema, DeliveryStatusSchema, TimerFiredSchema, ConversationResumedSchema, ConversationPausedSchema]);
export type InboundEntry = z.infer<typeof InboundEntrySchema>;

/** The contact an inbound entry is about (its conversation is bot + contact). */
export function entryContact(entry: InboundEntry): string {
  switch (entry.kind) {
    case "message":
      return entry.from;
    case "status":
      return entry.recipient;
    case "timer":
    case "resume":
    case "pause":
      return entry.contact;
  }
}

export const SendResultSchema = z.object({
  v: z.literal(1),
  ...envelope,
  botId: z.string().min(1),
  idempotencyKey: z.string().min(1),
  recipient: z.string(),
  provider: ProviderKindSchema.optional(),
  providerMessageId: z.string().optional(),
  outcome: z.enum(["accepted", "failed"]),
  error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).optional(),
});
export type SendResult = z.infer<typeof SendResultSchema>;

export const analyticsEventTypes = [
  "message.received",
  "message.sent",
  "message.send_failed",
  /** The adapter cannot tell whether the provider accepted a reply (SEND_OUTCOME_UNKNOWN): not retried, never sent twice. */
  "message.send_ambiguous",
  "message.status",
  "conversation.started",
  "conversation.ended",
  "order.created",
  /** An order moved along its lifecycle (attributes: from, to, by). */
  "order.status_changed",
  /** A product or variant fell to its minimum stock or below (attributes: product_id, sku, stock, min). */
  "stock.low",
  "seller.assigned",
  "seller.released",
  "handoff.requested",
  /** The customer said staff attended them after a hand-off (attributes: seller_id, reason). */
  "handoff.attended",
  /** A hand-off nobody attended went to a supervisor (attributes: reason, supervisors). */
  "handoff.escalated",
  /** Someone answered a contact from the shop's own phone (a linked Baileys number): a human took over (attributes: provider, message_id). */
  "handoff.human_replied",
  /** A seller was alerted about a customer, by WhatsApp and on the dashboard (attributes: seller_id, seller_name, reason, priority). */
  "seller.alerted",
  /** Staff paused the bot for a contact (attributes: by, until). */
  "conversation.paused",
  /** Staff handed a paused contact back to the bot (attributes: by). */
  "conversation.resumed",
  /** A provider failed a send (attributes: provider, code, maybe_sent); the send may go on through the next provider. */
  "provider.error",
  "error",
] as const;

export const AnalyticsEventSchema = z.object({
  v: z.literal(1),
  ...envelope,
  type: z.enum(analyticsEventTypes),
  /** Service that emitted the event. */
  source: z.enum(["gateway", "whatsapp-adapter", "bot-orchestrator", "analytics-worker"]),
  botId: z.string().optional(),
  contact: z.string().optional(),
  /** Small, flat facts about the event (latency, provider, error code...). */
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
});
export type AnalyticsEvent = z.infer<typeof AnalyticsEventSchema>;

/** Field name under which each stream entry carries its JSON document. */
export const STREAM_FIELD = "data";

/** Parses the field list of a stream entry (`[k1, v1, k2, v2...]`) against a schema. */
export function decodeStreamEntry<S extends z.ZodType>(schema: S, fields: string[]): z.ZodSafeParseResult<z.infer<S>> {
  const index = fields.indexOf(STREAM_FIELD);
  const raw = index >= 0 && index % 2 === 0 ? fields[index + 1] : undefined;
  let json: unknown;
  try {
    json = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    json = undefined;
  }
  return schema.safeParse(json);
}
