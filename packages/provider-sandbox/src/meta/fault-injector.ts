// Scripted failures for tests: "fail the next N sends (of one number, or any) with code X",
// answered in the HTTP response or, like many real failures, later in a status webhook.
import { defaultHttpStatus } from "./graph-error.js";

export interface FaultSpec {
  /** Only sends from this number; any number when absent. */
  phoneNumberId?: string;
  code: number;
  /** How many sends fail; default 1. */
  count?: number;
  /** Defaults to the status Meta uses for `code` (e.g. 429 for 130429, 503 for 2). */
  httpStatus?: number;
  /** "response": the send is rejected; "webhook": accepted, then a `failed` status is posted. */
  via?: "response" | "webhook";
  details?: string;
}

export interface Fault {
  phoneNumberId?: string;
  code: number;
  remaining: number;
  httpStatus: number;
  via: "response" | "webhook";
  details?: string;
}

export class FaultInjector {
  #faults: Fault[] = [];

  add(spec: FaultSpec): Fault {
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
    const fault: Fault = {
      phoneNumberId: spec.phoneNumberId,
      code: spec.code,
      remaining: count,
      httpStatus: spec.httpStatus ?? defaultHttpStatus(spec.code),
      via: spec.via ?? "response",
      details: spec.details,
    };
    this.#faults.push(fault);
    return { ...fault };
  }

  /** Consumes one failure for a send from `phoneNumberId`, oldest matching fault first. */
  take(phoneNumberId: string): Fault | undefined {
    const fault = this.#faults.find((f) => f.phoneNumberId === undefined || f.phoneNumberId === phoneNumberId);
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.#faults = this.#faults.filter((f) => f !== fault);
    return { ...fault };
  }

  list(): Fault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.#faults = [];
  }
}
