// Scripted failures of the Twilio fake: "the next N sends (from one sender and/or to one
// contact, or any) fail". A fault can answer the send with a Twilio error, accept it and then
// drop the connection without an answer (the sender cannot tell whether it went out), or accept
// it and report it failed later through the status callback, like most WhatsApp failures.
import { digitsOf } from "../meta/wamid.js";
import { FaultQueue } from "../shared/fault-queue.js";
import { defaultHttpStatus } from "./twilio-error.js";

/** Which sends a fault applies to, and to how many. */
export interface TwilioFaultTarget {
  /** Only sends from this sender ("+1555…" or "whatsapp:+1555…", matched on digits); any when absent. */
  from?: string;
  /** Only sends to this contact (matched on digits); any when absent. */
  to?: string;
  /** How many sends fail; default 1. */
  count?: number;
}

export type TwilioFaultSpec = TwilioFaultTarget &
  (
    | {
        /** The send is rejected with this Twilio error (the default kind). */
        kind?: "error";
        code: number;
        /** Defaults to the status Twilio uses for `code` (429 for 20429, 500 for 20500, …). */
        httpStatus?: number;
        message?: string;
      }
    | {
        /** The send is accepted and recorded, then the socket is destroyed without an answer. */
        kind: "drop_connection";
      }
    | {
        /** The send is accepted (201), then its status callback reports it failed with `code`. */
        kind: "status_callback";
        code: number;
        /** Final status; default "undelivered". */
        status?: "failed" | "undelivered";
      }
  );

interface FaultBase {
  from?: string;
  to?: string;
  remaining: number;
}

export type TwilioFault = FaultBase &
  (
    | { kind: "error"; code: number; httpStatus: number; message?: string }
    | { kind: "drop_connection" }
    | { kind: "status_callback"; code: number; status: "failed" | "undelivered" }
  );

export class TwilioFaultInjector extends FaultQueue<TwilioFault> {
  add(spec: TwilioFaultSpec): TwilioFault {
    const base: FaultBase = { from: spec.from, to: spec.to, remaining: spec.count ?? 1 };
    if (spec.kind === "drop_connection") return this.enqueue({ ...base, kind: "drop_connection" });
    if (spec.kind === "status_callback") return this.enqueue({ ...base, kind: "status_callback", code: spec.code, status: spec.status ?? "undelivered" });
    return this.enqueue({ ...base, kind: "error", code: spec.code, httpStatus: spec.httpStatus ?? defaultHttpStatus(spec.code), message: spec.message });
  }

  /** Consumes one failure for a send from `from` to `to`, oldest matching fault first. */
  take(from: string, to: string): TwilioFault | undefined {
    const sender = digitsOf(from);
    const recipient = digitsOf(to);
    return this.takeFirst((f) => (f.from === undefined || digitsOf(f.from) === sender) && (f.to === undefined || digitsOf(f.to) === recipient));
  }
}
