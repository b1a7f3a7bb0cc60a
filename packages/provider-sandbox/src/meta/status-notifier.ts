// Plays the provider's side after an accepted send: posts status webhooks (sent → delivered, or
// failed) to the number's webhook target in the background, the way receipts reach a real app.
// Meta signs them with the app secret; a BSP may not sign them and may add configured headers.
// Failures are logged, never thrown: a dead callback must not break the send that caused it.
import { buildStatusWebhook, postWebhook, type StatusUpdate, type WebhookMetadata, type WebhookTarget } from "./customer.js";
import type { Logger } from "../logger.js";
import { PendingWork } from "../shared/pending-work.js";

export interface StatusNotifierDeps {
  /** Where statuses of `phoneNumberId` go; undefined: nowhere configured, they are dropped. */
  target(phoneNumberId: string): WebhookTarget | undefined;
  delayMs: number;
  logger: Logger;
}

export interface StatusNotifier {
  /** Posts each update as its own webhook, in order, after `delayMs`. */
  notify(meta: WebhookMetadata, updates: readonly StatusUpdate[]): void;
  /** Resolves once every webhook started so far has been answered or has failed. */
  settled(): Promise<void>;
}

export function createStatusNotifier(deps: StatusNotifierDeps): StatusNotifier {
  const work = new PendingWork();

  async function deliver(meta: WebhookMetadata, updates: readonly StatusUpdate[]): Promise<void> {
    if (deps.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, deps.delayMs));
    const target = deps.target(meta.phoneNumberId);
    if (target === undefined) {
      deps.logger.warn("no webhook configured: status webhooks dropped", { phoneNumberId: meta.phoneNumberId, count: updates.length });
      return;
    }
    for (const update of updates) {
      try {
        const payload = buildStatusWebhook(meta, [update]);
        const response = await postWebhook({ callbackUrl: target.url, appSecret: target.appSecret, headers: target.headers, payload });
        if (response.status >= 300) {
          deps.logger.warn("status webhook not accepted", { wamid: update.id, status: update.status, httpStatus: response.status });
        }
      } catch (error) {
        deps.logger.error("status webhook failed", { wamid: update.id, status: update.status, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  return {
    notify(meta, updates) {
      void work.track(deliver(meta, updates));
    },
    settled: () => work.settled(),
  };
}
