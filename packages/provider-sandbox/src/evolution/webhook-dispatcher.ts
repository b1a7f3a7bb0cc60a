// Evolution's webhook delivery: POST the JSON envelope with the instance's configured headers,
// and on a network error, a timeout or a non-2xx answer try again with exponential backoff
// (delay = base * 2^(n-1), capped, ±jitter, never below base) up to `attempts` tries, except
// for answers Evolution treats as final (400, 401, 403, 404, 422 by default). Every attempt is
// kept in a delivery log so tests can see the retries; secrets (header values, the envelope's
// apikey) never reach the logger.
import { createHmac, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../logger.js";
import type { PendingWork } from "../shared/pending-work.js";

export interface WebhookRetryOptions {
  /** Tries in all (WEBHOOK_RETRY_MAX_ATTEMPTS); default 10. */
  attempts?: number;
  /** Wait before the second try, doubled for each further one (INITIAL_DELAY_SECONDS); default 5,000 ms. */
  baseDelayMs?: number;
  /** Cap of one wait (MAX_DELAY_SECONDS); default 300,000 ms. */
  maxDelayMs?: number;
  /** Random ± share of each wait (JITTER_FACTOR); default 0.2. Use 0 for exact waits in tests. */
  jitterFactor?: number;
  /** Answers that end the retries at once (NON_RETRYABLE_STATUS_CODES); default 400, 401, 403, 404, 422. */
  nonRetryableStatuses?: readonly number[];
  /** Timeout of one POST (WEBHOOK_REQUEST_TIMEOUT_MS); default 30,000 ms. */
  timeoutMs?: number;
}

export interface WebhookEnvelope {
  event: string;
  instance: string;
  data: unknown;
  destination: string;
  date_time: string;
  sender?: string;
  server_url: string;
  apikey: string | null;
}

export interface DeliveryAttempt {
  at: string;
  durationMs: number;
  /** HTTP status of the answer; absent when the request failed (network error, timeout). */
  status?: number;
  error?: string;
}

/** pending → delivered (2xx) | rejected (a non-retryable answer) | gave_up (all attempts failed). */
export type DeliveryOutcome = "pending" | "delivered" | "rejected" | "gave_up";

export interface WebhookDelivery {
  id: string;
  instance: string;
  event: string;
  /** The URL posted to (with the event path appended when byEvents is on). */
  url: string;
  /** Names of the configured headers sent (values are not kept). */
  headerNames: string[];
  payload: WebhookEnvelope;
  attempts: DeliveryAttempt[];
  outcome: DeliveryOutcome;
  /** When the next try is due, while waiting between tries. */
  nextAttemptAt?: string;
}

export interface DeliveryRequest {
  instance: string;
  event: string;
  url: string;
  headers: Readonly<Record<string, string>> | null;
  payload: WebhookEnvelope;
}

export interface DeliveryQuery {
  instance?: string;
  event?: string;
  outcome?: DeliveryOutcome;
}

export interface WebhookDispatcher {
  deliver(request: DeliveryRequest): WebhookDelivery;
  list(query?: DeliveryQuery): WebhookDelivery[];
  clear(): void;
  /** Resolves with the first delivery matching `predicate` once it is no longer pending. */
  waitFor(predicate: (delivery: WebhookDelivery) => boolean, timeoutMs?: number): Promise<WebhookDelivery>;
}

export interface WebhookDispatcherDeps {
  retry?: WebhookRetryOptions;
  logger: Logger;
  now: () => number;
  work: PendingWork;
  random?: () => number;
}

const DEFAULT_NON_RETRYABLE = [400, 401, 403, 404, 422] as const;

export function createWebhookDispatcher(deps: WebhookDispatcherDeps): WebhookDispatcher {
  const attempts = deps.retry?.attempts ?? 10;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`webhookRetry.attempts must be a positive integer, got ${attempts}`);
  const baseDelayMs = deps.retry?.baseDelayMs ?? 5_000;
  const maxDelayMs = deps.retry?.maxDelayMs ?? 300_000;
  const jitterFactor = deps.retry?.jitterFactor ?? 0.2;
  const nonRetryable: readonly number[] = deps.retry?.nonRetryableStatuses ?? DEFAULT_NON_RETRYABLE;
  const timeoutMs = deps.retry?.timeoutMs ?? 30_000;
  const random = deps.random ?? Math.random;
  const deliveries: WebhookDelivery[] = [];
  const events = new EventEmitter().setMaxListeners(0);

  const delayBefore = (failedTries: number): number => {
    const exponential = Math.min(baseDelayMs * 2 ** (failedTries - 1), maxDelayMs);
    const jitter = exponential * jitterFactor * (random() * 2 - 1);
    return Math.max(baseDelayMs, exponential + jitter);
  };

  const finish = (delivery: WebhookDelivery, outcome: DeliveryOutcome) => {
    delivery.outcome = outcome;
    delete delivery.nextAttemptAt;
    events.emit("finished", delivery);
  };

  async function attempt(delivery: WebhookDelivery, headers: Headers): Promise<DeliveryAttempt> {
    const at = new Date(deps.now()).toISOString();
    const started = performance.now();
    try {
      const response = await fetch(delivery.url, {
        method: "POST",
        headers,
        body: JSON.stringify(delivery.payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      return { at, durationMs: Math.round(performance.now() - started), status: response.status };
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      const message = timedOut ? `timeout of ${timeoutMs}ms exceeded` : describeNetworkError(error);
      return { at, durationMs: Math.round(performance.now() - started), error: message };
    }
  }

  async function run(delivery: WebhookDelivery, headers: Headers): Promise<void> {
    const logFields = () => ({ instance: delivery.instance, event: delivery.event, url: withoutQuery(delivery.url), attempts: delivery.attempts.length });
    for (let tried = 1; tried <= attempts; tried++) {
      const result = await attempt(delivery, headers);
      delivery.attempts.push(result);
      if (result.status !== undefined && result.status >= 200 && result.status < 300) {
        finish(delivery, "delivered");
        return;
      }
      if (result.status !== undefined && nonRetryable.includes(result.status)) {
        deps.logger.error("webhook not retried: the receiver answered a final status", { ...logFields(), status: result.status });
        finish(delivery, "rejected");
        return;
      }
      if (tried === attempts) {
        deps.logger.error("webhook delivery gave up", { ...logFields(), status: result.status, error: result.error });
        finish(delivery, "gave_up");
        return;
      }
      const wait = delayBefore(tried);
      delivery.nextAttemptAt = new Date(deps.now() + wait).toISOString();
      deps.logger.warn("webhook attempt failed, retrying", { ...logFields(), status: result.status, error: result.error, retryInMs: Math.round(wait) });
      await sleep(wait);
    }
  }

  return {
    deliver(request) {
      const delivery: WebhookDelivery = {
        id: randomUUID(),
        instance: request.instance,
        event: request.event,
        url: request.url,
        headerNames: [],
        payload: request.payload,
        attempts: [],
        outcome: "pending",
      };
      const headers = new Headers({ "content-type": "application/json", accept: "application/json, text/plain, */*" });
      for (const [name, value] of Object.entries(request.headers ?? {})) {
        if (name === "jwt_key") {
          headers.set("authorization", `Bearer ${signJwt(value, deps.now())}`);
          delivery.headerNames.push("authorization");
        } else {
          headers.set(name, value);
          delivery.headerNames.push(name);
        }
      }
      deliveries.push(delivery);
      void deps.work.track(run(delivery, headers));
      return delivery;
    },
    list(query = {}) {
      return deliveries.filter((d) =>
        (query.instance === undefined || d.instance === query.instance) &&
        (query.event === undefined || d.event === query.event) &&
        (query.outcome === undefined || d.outcome === query.outcome));
    },
    clear() {
      deliveries.length = 0;
    },
    waitFor(predicate, timeoutMs = 5_000) {
      const done = deliveries.find((d) => d.outcome !== "pending" && predicate(d));
      if (done !== undefined) return Promise.resolve(done);
      return new Promise((resolve, reject) => {
        const onFinished = (delivery: WebhookDelivery) => {
          if (!predicate(delivery)) return;
          clearTimeout(timer);
          events.off("finished", onFinished);
          resolve(delivery);
        };
        const timer = setTimeout(() => {
          events.off("finished", onFinished);
          reject(new Error(`no matching webhook delivery finished within ${timeoutMs} ms`));
        }, timeoutMs);
        events.on("finished", onFinished);
      });
    },
  };
}

/**
 * A `jwt_key` webhook header is not sent: Evolution signs a 10-minute HS256 token with it
 * ({iat, exp, app:"evolution", action:"webhook"}) and sends `Authorization: Bearer <jwt>`.
 */
function signJwt(secret: string, nowMs: number): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const iat = Math.floor(nowMs / 1000);
  const unsigned = `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ iat, exp: iat + 600, app: "evolution", action: "webhook" })}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  const code = typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined;
  return code === undefined ? error.message : `${error.message} (${code})`;
}

/** Webhook URLs may carry a secret in the query string: logs get the path only. */
function withoutQuery(url: string): string {
  return url.split("?")[0] ?? url;
}
