// What the engine decides and the service carries out: the core never does I/O, it returns these.
import type { JsonValue } from "../language/index.js";

export interface ReplyOption {
  id: string;
  title: string;
  description?: string;
}

/** A message to the contact (the adapter's SendMessage content, in the engine's words). */
export type OutboundContent =
  | { type: "text"; body: string }
  | { type: "media"; kind: "image" | "document" | "audio" | "video"; url: string; caption?: string; filename?: string }
  | { type: "buttons"; body: string; header?: string; footer?: string; buttons: ReplyOption[] }
  | { type: "list"; body: string; header?: string; footer?: string; button: string; sections: { title?: string; rows: ReplyOption[] }[] };

/** What a timer resumes when it fires. */
export type TimerPurpose = "wait" | "delay" | "handoff";

export interface TimerSpec {
  /** Unique within the conversation; the fired timer's entry carries it back. */
  id: string;
  purpose: TimerPurpose;
  /** Epoch milliseconds. */
  dueAt: number;
}

/** Events the engine reports: a conversation started or ended, a hand-off, a flow that could not go on. */
export type EngineEventName = "conversation.started" | "conversation.ended" | "handoff.requested" | "error";

export type Effect =
  | { type: "send"; content: OutboundContent }
  | { type: "schedule_timer"; timer: TimerSpec }
  | { type: "cancel_timer"; timerId: string }
  /** An analytics / dashboard event. */
  | { type: "event"; name: EngineEventName; attributes: Record<string, string | number | boolean | null> }
  /** The bot stops answering this contact (hand-off to staff) until `until` or a resume. */
  | { type: "pause"; until: number; step: string }
  | { type: "resume" };

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
