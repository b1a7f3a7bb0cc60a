// Reads wa.inbound in the orchestrators' consumer group and hands each entry
// to the use case, one conversation (bot + contact) at a time, in order.
import type { Redis } from "ioredis";
import { InboundEntrySchema, STREAMS, decodeStreamEntry } from "@fleet/contracts";
import { StreamConsumer, type Logger } from "@fleet/service-kit";
import type { Counter } from "prom-client";
import type { HandleInbound } from "../use-cases/handle-inbound.use-case.js";
import { ConversationQueue } from "./conversation-queue.js";

export const INBOUND_GROUP = "bot-orchestrator";

export interface InboundConsumerOptions {
  redis: Redis;
  blockingRedis: Redis;
  consumer: string;
  logger: Logger;
  handleInbound: HandleInbound;
  handled: Counter<"outcome">;
  batchSize: number;
  claimIdleMs: number;
  maxInFlight: number;
  maxDeliveries: number;
}

export function createInboundConsumer(options: InboundConsumerOptions): StreamConsumer {
  const { logger, handleInbound, handled } = options;
  const conversations = new ConversationQueue();
  return new StreamConsumer({
    redis: options.redis,
    blockingRedis: options.blockingRedis,
    stream: STREAMS.inbound,
    group: INBOUND_GROUP,
    consumer: options.consumer,
    logger,
    batchSize: options.batchSize,
    claimIdleMs: options.claimIdleMs,
    maxInFlight: options.maxInFlight,
    maxDeliveries: options.maxDeliveries,
    async handle(entry) {
      const decoded = decodeStreamEntry(InboundEntrySchema, entry.fields);
      if (!decoded.success) {
        // It can never succeed: ack it so it does not block, and say so.
        logger.error("malformed wa.inbound entry dropped", { entryId: entry.id, issues: decoded.error.issues.slice(0, 3).map((i) => i.message) });
        handled.inc({ outcome: "malformed" });
        return true;
      }
      const inbound = decoded.data;
      const key = `${inbound.botId}:${inbound.kind === "message" ? inbound.from : inbound.recipient}`;
      const outcome = await conversations.run(key, () => handleInbound(inbound));
      handled.inc({ outcome });
      return outcome !== "retry_later";
    },
  });
}
