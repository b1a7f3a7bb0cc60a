// Builds the orchestrator from its infrastructure: the inbound consumer
// (partition leases, conversation scheduler), its use case, the HTTP app and
// the gRPC service (the flows module). Shared by main.ts and tests.
import type pg from "pg";
import { Counter, Gauge, Histogram } from "prom-client";
import { INBOUND_DEAD_LETTER_STREAM, inboundStream } from "@fleet/contracts";
import { createLeaseRepository, registerStreamMetrics, secretKeyringOf, streamDeadLetteredCounter, type HealthReport, type Logger, type Metrics, type RedisClient } from "@fleet/service-kit";
import { createApp } from "./app.js";
import { actionDefinitions } from "./flows/actions/definitions.js";
import { createFlowActions, type ConversationControl } from "./flows/actions/registry.js";
import type { CommerceClient } from "./clients/commerce.client.js";
import { withCachedShopSettings } from "./clients/shop-settings.cache.js";
import { createTenantProfiles } from "./clients/tenant-profiles.js";
import { createFlowsModule } from "./flows/flows.module.js";
import type { ReplySender } from "./use-cases/handle-inbound.use-case.js";
import { createHandleInbound } from "./use-cases/handle-inbound.use-case.js";
import { createResumeConversation } from "./use-cases/resume-conversation.use-case.js";
import type { OrchestratorConfig } from "./config.js";
import { DEAD_LETTER_REASONS, createInboundConsumer } from "./consumers/inbound.consumer.js";
import { createEventsRepository } from "./repositories/events.repository.js";
import { INBOUND_GROUP, createInboundPartitionsRepository } from "./repositories/inbound-partitions.repository.js";
import { createReplicasRepository } from "./repositories/replicas.repository.js";
import { createConversationsRepository } from "./repositories/conversations.repository.js";
import { createTenantHttpSettingsRepository, createTenantSecretBox } from "./repositories/tenant-http-settings.repository.js";
import { createTimersRepository } from "./repositories/timers.repository.js";
import { createCallRunner } from "./flows/runtime/call-runner.js";
import { createFlowSource } from "./flows/runtime/flow-source.js";
import { createHttpCallRunner } from "./flows/runtime/http-call.js";

export interface OrchestratorInfra {
  config: OrchestratorConfig;
  /** Pool whose search_path is the `orchestrator` schema (flows and their versions). */
  pool: pg.Pool;
  /** Commands, leases and events. */
  redis: RedisClient;
  /** A new connection for one partition's blocking stream reads (its reader closes it). */
  blockingConnection(name: string): RedisClient;
  sender: ReplySender;
  /** The gateway's CommerceService: the flows' actions and the shops' names and time zones. */
  commerce: CommerceClient;
  logger: Logger;
  metrics: Metrics;
  health: () => Promise<HealthReport>;
}

export function composeOrchestrator({ config, pool, redis, blockingConnection, sender, commerce: gatewayCommerce, logger, metrics, health }: OrchestratorInfra) {
  const commerce = withCachedShopSettings(gatewayCommerce, { ttlMs: config.SHOP_SETTINGS_CACHE_MS });
  const registers = [metrics.registry];
  const counters = {
    handled: new Counter({ name: "orchestrator_inbound_handled_total", help: "Inbound entries handled, by outcome.", labelNames: ["outcome"] as const, registers }),
    calls: new Counter({ name: "orchestrator_flow_calls_total", help: "Actions and http calls made by flow steps, by action name (http for http steps) and outcome code.", labelNames: ["kind", "name", "outcome"] as const, registers }),
    retries: new Counter({ name: "orchestrator_inbound_retries_total", help: "Inbound entries left for a retry in place, by reason and whether it counts as a failed attempt.", labelNames: ["reason", "counted"] as const, registers }),
  };
  const callSeconds = new Histogram({ name: "orchestrator_flow_call_duration_seconds", help: "Duration of flow steps' actions and http calls.", labelNames: ["kind"] as const, buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
  const deadLettered = streamDeadLetteredCounter(metrics.registry);
  const streams = createInboundPartitionsRepository(redis, { logger, deadLettered, deadLetterMaxLen: config.DEAD_LETTER_MAXLEN });
  // Every replica reports every partition (the alerts take the max), so a partition nobody owns still shows its lag.
  const partitionStreams = Array.from({ length: config.INBOUND_PARTITIONS }, (_, p) => inboundStream(p));
  registerStreamMetrics({
    registry: metrics.registry,
    redis,
    logger,
    targets: () => [...partitionStreams.map((stream) => ({ stream, group: INBOUND_GROUP })), { stream: INBOUND_DEAD_LETTER_STREAM }],
  });
  // Series exist from the start, so the alert on their increase sees the first dead letter.
  for (const stream of partitionStreams) for (const reason of DEAD_LETTER_REASONS) deadLettered.inc({ stream, reason }, 0);
  const conversations = createConversationsRepository(redis, { partitions: config.INBOUND_PARTITIONS, stateTtlMs: config.CONVERSATION_TTL_MS });
  const timers = createTimersRepository(redis);
  const resume = createResumeConversation({ redis, conversations, partitions: config.INBOUND_PARTITIONS });
  const tenantHttpSettings = createTenantHttpSettingsRepository(pool, createTenantSecretBox(secretKeyringOf(config)), logger);
  const flowsModule = createFlowsModule({
    pool,
    actions: actionDefinitions,
    conversations,
    resume,
    redis,
    partitions: config.INBOUND_PARTITIONS,
    timezone: config.DEFAULT_TIMEZONE,
    httpSettings: tenantHttpSettings,
  });
  const events = createEventsRepository(redis);
  // Staff chat commands act on other contacts' conversations through the same entries as the dashboard.
  const control: ConversationControl = {
    pause: async (tenantId, botId, contact, until, by) => (await flowsModule.pause(tenantId, botId, contact, Math.max(1, Math.round((until - Date.now()) / 60_000)), by)) !== null,
    resume: (tenantId, botId, contact, by) => resume(tenantId, botId, contact, by),
    status: async (tenantId, botId, contact) => {
      const view = await conversations.view(tenantId, botId, contact);
      return { exists: view !== null, step: view?.step ?? null, pausedUntil: view?.pausedUntil ? Date.parse(view.pausedUntil) : null };
    },
  };
  const handleInbound = createHandleInbound({
    sender,
    events,
    conversations,
    flows: createFlowSource(flowsModule.flows, { activeTtlMs: config.ACTIVE_FLOW_CACHE_MS }),
    calls: createCallRunner({
      actions: createFlowActions({ commerce, sender, events, conversations: control, logger }),
      http: createHttpCallRunner({ settings: tenantHttpSettings, logger }),
      logger,
      onCall: (kind, name, outcome, seconds) => {
        counters.calls.inc({ kind, name, outcome });
        callSeconds.observe({ kind }, seconds);
      },
    }),
    logger,
    tenants: createTenantProfiles({ source: commerce, fallbackTimezone: config.DEFAULT_TIMEZONE, ttlMs: config.TENANT_PROFILE_CACHE_MS, logger }),
    timeScale: config.FLOW_TIMER_SCALE,
  });
  const consumer = createInboundConsumer({
    consumer: config.CONSUMER_NAME,
    partitions: config.INBOUND_PARTITIONS,
    leaseTtlMs: config.PARTITION_LEASE_TTL_MS,
    streams,
    leases: createLeaseRepository(redis),
    replicas: createReplicasRepository(redis),
    blockingConnection: (partition) => blockingConnection(`bot-orchestrator-inbound-${partition}`),
    handleInbound,
    logger,
    counters,
    batchSize: config.INBOUND_BATCH,
    blockMs: config.INBOUND_BLOCK_MS,
    ackDelayMs: config.INBOUND_ACK_DELAY_MS,
    maxInFlight: config.MAX_IN_FLIGHT,
    maxInFlightPerBot: config.MAX_IN_FLIGHT_PER_BOT,
    maxBuffered: config.MAX_BUFFERED,
    maxAttempts: config.MAX_ATTEMPTS,
    maxDeliveries: config.MAX_DELIVERIES,
    retryBaseMs: config.RETRY_BASE_MS,
    retryMaxMs: config.RETRY_MAX_MS,
    trimIntervalMs: config.TRIM_INTERVAL_MS,
    timers,
    timerPollMs: config.TIMER_POLL_MS,
  });
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({ name, help, registers, collect() { this.set(value()); } });
  gauge("orchestrator_partitions_owned", "Inbound partitions this replica owns.", () => consumer.stats().partitions.length);
  gauge("orchestrator_inbound_buffered_entries", "Inbound entries this replica holds (queued behind their conversation or running).", () => consumer.stats().buffered);
  gauge("orchestrator_inbound_active_entries", "Inbound entries running now.", () => consumer.stats().active);
  gauge("orchestrator_conversations_blocked", "Conversations waiting to retry their oldest entry.", () => consumer.stats().blocked);
  return {
    app: createApp({ logger, metrics, health }),
    grpcService: flowsModule.grpcService,
    consumer,
  };
}
