// Builds the orchestrator from its infrastructure: the inbound consumer, its
// use case, the HTTP app and the gRPC service. Shared by main.ts and tests.
import type { Redis } from "ioredis";
import { Counter } from "prom-client";
import { OrchestratorService } from "@fleet/contracts/orchestrator";
import { implement, unimplemented } from "@fleet/grpc-bridge";
import type { HealthReport, Logger, Metrics } from "@fleet/service-kit";
import { createApp } from "./app.js";
import type { ReplySender } from "./use-cases/handle-inbound.use-case.js";
import { createHandleInbound } from "./use-cases/handle-inbound.use-case.js";
import type { OrchestratorConfig } from "./config.js";
import { createInboundConsumer } from "./consumers/inbound.consumer.js";
import { createEventsRepository } from "./repositories/events.repository.js";

export interface OrchestratorInfra {
  config: OrchestratorConfig;
  /** Commands and events. */
  redis: Redis;
  /** Dedicated connection for the blocking stream reads. */
  streamRedis: Redis;
  sender: ReplySender;
  logger: Logger;
  metrics: Metrics;
  health: () => Promise<HealthReport>;
}

export function composeOrchestrator({ config, redis, streamRedis, sender, logger, metrics, health }: OrchestratorInfra) {
  const handled = new Counter({ name: "orchestrator_inbound_handled_total", help: "wa.inbound entries handled, by outcome.", labelNames: ["outcome"] as const, registers: [metrics.registry] });
  const handleInbound = createHandleInbound({ sender, events: createEventsRepository(redis, config.EVENTS_STREAM_MAXLEN), logger });
  const consumer = createInboundConsumer({
    redis,
    blockingRedis: streamRedis,
    consumer: config.CONSUMER_NAME,
    logger,
    handleInbound,
    handled,
    batchSize: config.INBOUND_BATCH,
    claimIdleMs: config.CLAIM_IDLE_MS,
    maxInFlight: config.MAX_IN_FLIGHT,
    maxDeliveries: config.MAX_DELIVERIES,
  });
  return {
    app: createApp({ logger, metrics, health }),
    grpcService: implement(OrchestratorService, unimplemented(OrchestratorService)),
    consumer,
  };
}
