// Webhooks (or single items of one) that were correctly signed but can never
// be processed. They are acknowledged to the provider, so it stops retrying
// them, and kept here with the reason for someone to look at. No consumer group
// reads this stream: a generous cap bounds it instead.
import type { ProviderKindName } from "@fleet/contracts";
import type { RedisClient } from "@fleet/service-kit";

export const WEBHOOK_DEAD_LETTER_STREAM = "webhooks.dead";

export interface WebhookDeadLetter {
  provider: ProviderKindName;
  /** Stable reason code (bounded set, used as a metric label). */
  reason: string;
  /** A short description for humans; never message content. */
  message: string;
  receivedAt: string;
  /** The raw body (or item) as received. */
  body: string;
}

export interface WebhookDeadLetterRepository {
  append(letters: WebhookDeadLetter[]): Promise<void>;
}

export function createWebhookDeadLetterRepository(redis: RedisClient, { maxLen }: { maxLen: number }): WebhookDeadLetterRepository {
  return {
    async append(letters) {
      // Issued together, the calls leave in one write (the client auto-pipelines).
      await Promise.all(
        letters.map((letter) =>
          redis.xadd(WEBHOOK_DEAD_LETTER_STREAM, "MAXLEN", "~", maxLen, "*", "provider", letter.provider, "reason", letter.reason, "message", letter.message, "receivedAt", letter.receivedAt, "body", letter.body),
        ),
      );
    },
  };
}
