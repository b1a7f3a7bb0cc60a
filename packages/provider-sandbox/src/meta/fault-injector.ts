// Scripted failures for tests: "fail the next N sends (of one number and/or to one recipient, or
// any) with code X", answered in the HTTP response or, like many real failures, later in a status
// webhook. Two faults leave the sender unable to tell whether the message went out, as real
// networks do: the send is accepted and then the connection drops without an answer, or the
// answer is a 200 without a message id.
import { FaultQueue } from "../shared/fault-queue.js";
import { defaultHttpStatus } from "./graph-error.js";
import { digitsOf } from "./wamid.js";

/** Which sends a fault applies to, and to how many. */
export interface FaultTarget {
  /** Only sends from this number; any number when absent. */
  phoneNumberId?: string;
  /** Only sends to this recipient (matched on digits); any recipient when absent. */
  to?: string;
  /** How many sends fail; default 1. */
  count?: number;
}

export type FaultSpec = FaultTarget &
  (
    | {
        /** A Graph error (the default kind). */
        kind?: "graph_error";
        code: number;
        /** Defaults to the status Meta uses for `code` (e.g. 429 for 130429, 503 for 2). */
        httpStatus?: number;
        /** "response": the send is rejected; "webhook": accepted, then a `failed` status is posted. */
        via?: "response" | "webhook";
        details?: string;
      }
    | {
        /**
         * "drop_connection": the send is accepted and recorded, then the socket is destroyed without
         * an answer. "missing_message_id": accepted and recorded, answered 200 without `messages[0].id`.
         */
        kind: "drop_connection" | "missing_message_id";
      }
  );

interface FaultBase {
  phoneNumberId?: string;
  to?: string;
  remaining: number;
}

export type Fault = FaultBase &
  (
    | { kind: "graph_error"; code: number; httpStatus: number; via: "response" | "webhook"; details?: string }
    | { kind: "drop_connection" }
    | { kind: "missing_message_id" }
  );

export class FaultInjector extends FaultQueue<Fault> {
  add(spec: FaultSpec): Fault {
    const base: FaultBase = { phoneNumberId: spec.phoneNumberId, to: spec.to, remaining: spec.count ?? 1 };
    return this.enqueue("code" in spec
      ? { ...base, kind: "graph_error", code: spec.code, httpStatus: spec.httpStatus ?? defaultHttpStatus(spec.code), via: spec.via ?? "response", details: spec.details }
      : { ...base, kind: spec.kind });
  }

  /** Consumes one failure for a send from `phoneNumberId` to `to`, oldest matching fault first. */
  take(phoneNumberId: string, to?: string): Fault | undefined {
    const recipient = to === undefined ? undefined : digitsOf(to);
    return this.takeFirst((f) =>
      (f.phoneNumberId === undefined || f.phoneNumberId === phoneNumberId) && (f.to === undefined || (recipient !== undefined && digitsOf(f.to) === recipient)));
  }
}
