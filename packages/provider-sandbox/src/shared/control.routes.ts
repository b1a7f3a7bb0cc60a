// The control endpoints (/_sandbox/…) every fake serves the same way: health, recorded messages
// (GET/DELETE /messages), scripted faults (GET/POST/DELETE /faults), the answer delay
// (PUT /latency) and, for fakes that throttle, PUT /rate-limit; plus the request parsing their own
// control endpoints share. Each fake parses its own message query and fault body. Errors here
// are SandboxErrors, answered {error:{code,message}}.
import type { RequestHandler, Router } from "express";
import { z } from "zod";
import { SandboxError } from "./sandbox-error.js";

export interface SandboxControls<TQuery, TFaultSpec> {
  /** Fields GET /health adds to `status: "ok"`. */
  health?(): Record<string, unknown>;
  store: { list(query: TQuery): unknown; clear(): void };
  /** GET /messages' query string as the store's query. */
  messagesQuery(query: unknown): TQuery;
  faults: { list(): unknown; add(spec: TFaultSpec): unknown; clear(): void };
  /** POST /faults' body as the injector's spec. */
  faultSpec(body: unknown): TFaultSpec;
  setResponseDelay(ms: number): void;
  /** Serves PUT /rate-limit when given. */
  limiter?: { readonly ratePerSecond: number; setRate(perSecond: number): void };
}

/** A phone number as control bodies take it: anything with a digit ("+1 555…", "whatsapp:+1555…"). */
export const phoneNumber = z.string().regex(/\d/, { message: "must be a phone number" });

/** How many sends a scripted fault fails. */
export const faultCount = z.number().int().positive().default(1);

/**
 * POST /faults' body: `schema`, a union on `kind`, where a body without `kind` is read as
 * `defaultKind`, so the shortest body (`{code: …}`, `{status: …}`) keeps meaning what it always did.
 */
export function withDefaultKind<T extends z.ZodType>(defaultKind: string, schema: T) {
  return z.preprocess((body) => (typeof body === "object" && body !== null && !("kind" in body) ? { ...body, kind: defaultKind } : body), schema);
}

const latencyBody = z.object({ ms: z.number().int().min(0).max(60_000) });
const rateLimitBody = z.object({ per_second: z.number().int().positive() });

export function addSandboxControls<TQuery, TFaultSpec>(router: Router, controls: SandboxControls<TQuery, TFaultSpec>): Router {
  router.get("/health", (_req, res) => {
    res.json({ status: "ok", ...controls.health?.() });
  });

  router.get("/messages", (req, res) => {
    res.json(controls.store.list(controls.messagesQuery(req.query)));
  });

  router.delete("/messages", (_req, res) => {
    controls.store.clear();
    res.status(204).end();
  });

  router.get("/faults", (_req, res) => {
    res.json(controls.faults.list());
  });

  router.post("/faults", (req, res) => {
    res.status(201).json(controls.faults.add(controls.faultSpec(req.body)));
  });

  router.delete("/faults", (_req, res) => {
    controls.faults.clear();
    res.status(204).end();
  });

  router.put("/latency", (req, res) => {
    const { ms } = parseOrThrow(latencyBody, req.body);
    controls.setResponseDelay(ms);
    res.json({ ms });
  });

  const { limiter } = controls;
  if (limiter !== undefined) {
    router.put("/rate-limit", (req, res) => {
      limiter.setRate(parseOrThrow(rateLimitBody, req.body).per_second);
      res.json({ per_second: limiter.ratePerSecond });
    });
  }
  return router;
}

/** The answer to a /_sandbox path no fake serves. */
export const unknownSandboxEndpoint: RequestHandler = (_req, res) => {
  res.status(404).json({ error: { code: "NOT_FOUND", message: "unknown sandbox endpoint" } });
};

/** Parses a control request's body or query, or throws 400 INVALID_REQUEST naming every problem. */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`).join("; ");
  throw new SandboxError("INVALID_REQUEST", details);
}

/** GET /messages' `since`: ISO-8601 or epoch milliseconds; absent stays absent. */
export function parseSince(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const instant = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  if (Number.isNaN(instant.getTime())) throw new SandboxError("INVALID_REQUEST", `since: not an ISO-8601 time or epoch milliseconds: ${value}`);
  return instant;
}
