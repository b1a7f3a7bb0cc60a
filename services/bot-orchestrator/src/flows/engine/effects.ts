// What the engine decides and the service carries out: the core never does I/O, it returns these.
import { z } from "zod";
import type { JsonValue } from "../language/index.js";

const ReplyOptionSchema = z.object({ id: z.string(), title: z.string(), description: z.string().optional() });
export type ReplyOption = z.infer<typeof ReplyOptionSchema>;

const framing = { body: z.string(), header: z.string().optional(), footer: z.string().optional() };

/** A message to the contact (the adapter's SendMessage content, in the engine's words). */
export const OutboundContentSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), body: z.string() }),
  z.object({ type: z.literal("media"), kind: z.enum(["image", "document", "audio", "video"]), url: z.string(), caption: z.string().optional(), filename: z.string().optional() }),
  z.object({ type: z.literal("buttons"), ...framing, buttons: z.array(ReplyOptionSchema) }),
  z.object({ type: z.literal("list"), ...framing, button: z.string(), sections: z.array(z.object({ title: z.string().optional(), rows: z.array(ReplyOptionSchema) })) }),
]);
export type OutboundContent = z.infer<typeof OutboundContentSchema>;

/** What a timer resumes when it fires. */
export const TimerPurposeSchema = z.enum(["wait", "delay", "handoff"]);
export type TimerPurpose = z.infer<typeof TimerPurposeSchema>;

export const TimerSpecSchema = z.object({
  /** Unique within the conversation; the fired timer's entry carries it back. */
  id: z.string(),
  purpose: TimerPurposeSchema,
  /** Epoch milliseconds. */
  dueAt: z.number(),
});
export type TimerSpec = z.infer<typeof TimerSpecSchema>;

/** Events the engine reports: a conversation started or ended, a hand-off, a flow that could not go on. */
export const EngineEventNameSchema = z.enum(["conversation.started", "conversation.ended", "handoff.requested", "error"]);
export type EngineEventName = z.infer<typeof EngineEventNameSchema>;

/** Effects are stored with their entry's transition (and parsed back on a redelivery). */
export const EffectSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("send"), content: OutboundContentSchema }),
  z.object({ type: z.literal("schedule_timer"), timer: TimerSpecSchema }),
  z.object({ type: z.literal("cancel_timer"), timerId: z.string() }),
  /** An analytics / dashboard event. */
  z.object({ type: z.literal("event"), name: EngineEventNameSchema, attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])) }),
  /** The bot stops answering this contact (hand-off to staff) until `until` or a resume. */
  z.object({ type: z.literal("pause"), until: z.number(), step: z.string() }),
  z.object({ type: z.literal("resume") }),
]);
export type Effect = z.infer<typeof EffectSchema>;

/** A call the engine needs answered before it can go on (run by the service, with a deadline). */
export type Call =
  | { kind: "action"; step: string; action: string; input: Record<string, JsonValue>; timeoutMs: number }
  | {
      kind: "http";
      step: string;
      method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
      url: string;
      headers: ({ name: string; value: string } | { name: string; secret: string; prefix?: string })[];
      body?: JsonValue;
      timeoutMs: number;
    };

/** The answer to a call. */
export type CallResult =
  | { ok: true; value: JsonValue; status?: number }
  | { ok: false; code: string; message: string; status?: number };
