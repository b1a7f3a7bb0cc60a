// A stand-in for the app's Evolution webhook endpoint, for tests: it records every POST (path,
// headers, parsed body) and answers from a script (statuses, or "drop" to cut the connection),
// 200 once the script is used up.
import { once } from "node:events";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";

export interface ReceivedWebhook {
  /** Path the webhook was posted to (byEvents appends the event, e.g. /hook/messages-upsert). */
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** When it arrived (ms since epoch). */
  at: number;
}

export type ScriptedAnswer = number | "drop";

export interface EvolutionWebhookReceiver {
  /** Base URL to configure as the instance's webhook (ends with the receiver's path). */
  url: string;
  received: ReceivedWebhook[];
  /** Answers for the next POSTs, in order. */
  answerWith(answers: readonly ScriptedAnswer[]): void;
  /** Resolves with the first POST matching `predicate`, received already or later. */
  waitFor(predicate: (webhook: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  reset(): void;
  close(): Promise<void>;
}

export async function startEvolutionWebhookReceiver(path = "/evolution/webhook"): Promise<EvolutionWebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let script: ScriptedAnswer[] = [];
  const waiters = new Set<() => void>();

  const app = express();
  app.post(/.*/, express.text({ type: () => true, limit: "136mb" }), (req, res) => {
    const raw = typeof req.body === "string" ? req.body : "";
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // kept as text
    }
    received.push({ path: req.path, headers: req.headers, body, at: Date.now() });
    for (const wake of waiters) wake();
    const answer = script.shift() ?? 200;
    if (answer === "drop") req.socket.destroy();
    else res.status(answer).json({ received: answer < 300 });
  });

  const server: Server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address: AddressInfo | string | null = server.address();
  if (address === null || typeof address === "string") throw new Error("the webhook receiver is not listening on a TCP port");
  const { port } = address;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answerWith(answers) {
      script = [...answers];
    },
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(predicate);
          if (found === undefined) return false;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(found);
          return true;
        };
        const wake = () => {
          check();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no matching webhook within ${timeoutMs} ms (${received.length} received)`));
        }, timeoutMs);
        if (!check()) waiters.add(wake);
      });
    },
    reset() {
      received.length = 0;
      script = [];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
