// A contact's conversation as the engine keeps it between turns. Stored as JSON in Redis and parsed
// with this schema when loaded, so a damaged or older value is refused at the edge, not trusted.
import { z } from "zod";
import { isBoundedJson, type JsonValue } from "../language/index.js";

const Timer = z.object({
  id: z.string().min(1).max(200),
  purpose: z.enum(["wait", "delay", "handoff"]),
  dueAt: z.number().int(),
  /** The step the conversation goes to when the timer fires. */
  next: z.string().min(1).max(64),
});

/** What the engine received, in its own words (the service maps provider messages and timers to this). */
export const EngineInputSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("message"),
    /** What the contact sent: text, the tap on a button or list row, media, a location, anything else. */
    kind: z.enum(["text", "button", "list", "media", "location", "other"]),
    text: z.string().max(8192).default(""),
    payload: z.string().max(512).optional(),
    mediaType: z.enum(["image", "document", "audio", "video", "sticker"]).optional(),
    mediaUrl: z.string().max(2000).optional(),
    latitude: z.number().optional(),
    longitude: z.number().optional(),
  }),
  /** A durable timer fired (its id), or a named timer scheduled outside the flow's waits. */
  z.object({ type: z.literal("timer"), timerId: z.string().min(1).max(200), name: z.string().max(64).optional() }),
  /** Staff resumed the bot for this contact. */
  z.object({ type: z.literal("resume") }),
  /** Staff paused the bot for this contact until then (epoch ms). */
  z.object({ type: z.literal("pause"), until: z.number().int() }),
]);
export type EngineInput = z.input<typeof EngineInputSchema>;
export type MessageInput = Extract<z.output<typeof EngineInputSchema>, { type: "message" }>;

const MAX_PENDING = 20;

export const ConversationStateSchema = z.object({
  v: z.literal(1),
  /** Unique per conversation (the id of the entry that started it): timer ids derive from it. */
  id: z.string().min(1).max(256),
  /** The flow running now (a `goto` to another flow changes it) and the version it keeps until it ends. */
  flow: z.object({ id: z.string().min(1).max(64), slug: z.string().min(1).max(64), version: z.number().int().positive() }),
  /** The step the conversation waits at; null once it ended. */
  step: z.string().min(1).max(64).nullable(),
  // The flow language's JsonValue bounds, checked by the direct check: this runs on every turn.
  vars: z.record(z.string(), z.custom<JsonValue>((value) => isBoundedJson(value), "a JSON value within the flow language's bounds")),
  /** Invalid answers given at the current step. */
  retries: z.number().int().min(0),
  /** The timer the conversation waits for (a wait, a delay or a hand-off's timeout). */
  timer: Timer.nullable(),
  /** The bot is paused for this contact (hand-off) until then (epoch ms). */
  pausedUntil: z.number().int().nullable(),
  /** Messages that arrived during a delay: handled, in order, once it ends. */
  pending: z.array(z.lazy(() => EngineInputSchema)).max(MAX_PENDING),
  /** The last action or http failure, for error.code / error.message. */
  lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Counter for timer ids. */
  seq: z.number().int().min(0),
  startedAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type ConversationState = z.infer<typeof ConversationStateSchema>;
export type StateTimer = z.infer<typeof Timer>;
export type Variables = Record<string, JsonValue>;

export { MAX_PENDING };
