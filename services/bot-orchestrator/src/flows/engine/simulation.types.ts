// What SimulateConversation and the conversation read / reset use cases exchange with the engine.
// The simulation runs the real engine on a flow version with nothing sent: each turn's replies,
// the final variables and the timers the conversation would hold.
import type { JsonValue } from "../language/index.js";
import type { OutboundContent } from "./effects.js";

/** One thing the simulated contact does. */
export type SimulatedInput =
  | { type: "text"; text: string }
  /** A tap on a button or list row, by its id (payload). */
  | { type: "payload"; payload: string; title?: string }
  /** Time passes: timers due within it fire, in order, each as its own turn. */
  | { type: "advance"; seconds: number };

export interface SimulationRequest {
  /** The contact's profile name (contact.name). */
  contactName?: string;
  /** Defaults to a fixed test number. */
  contactPhone?: string;
  /** Flow documents `goto {flow}` may enter, by their document id. */
  flows?: Readonly<Record<string, unknown>>;
  inputs: readonly SimulatedInput[];
  /** Epoch ms the simulation starts at (default: now). */
  startAt?: number;
}

export interface SimulatedTimer {
  id: string;
  /** What the timer resumes: a wait step, a delay, a hand-off timeout. */
  purpose: string;
  dueAt: string;
}

export interface SimulatedTurn {
  /** What the contact did, or "timer:<id>" for a fired timer. */
  input: string;
  replies: OutboundContent[];
  /** Steps the engine went through in this turn, in order. */
  steps: string[];
  /** Actions and http calls the engine would have made (simulated answers). */
  calls: { step: string; kind: "action" | "http"; name: string }[];
  events: string[];
}

export interface SimulationResult {
  turns: SimulatedTurn[];
  /** The step the conversation waits at (null: ended). */
  step: string | null;
  variables: Record<string, JsonValue>;
  timers: SimulatedTimer[];
  paused: boolean;
}

/** One contact's conversation as staff and the dashboard see it. */
export interface ConversationView {
  tenantId: string;
  botId: string;
  contact: string;
  flowId: string;
  flowVersion: number;
  step: string | null;
  variables: Record<string, JsonValue>;
  /** The bot is paused for this contact (hand-off) until this instant. */
  pausedUntil: string | null;
  timers: SimulatedTimer[];
  startedAt: string;
  updatedAt: string;
  /** Version of the stored state (compare-and-set counter). */
  version: number;
}
