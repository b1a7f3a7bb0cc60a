// Builds the adapter from its infrastructure: repositories, providers, use
// cases, the HTTP app and the gRPC service. Shared by main.ts and the tests.
import type pg from "pg";
import { Counter, Gauge, Histogram } from "prom-client";
import type { ClientAuth } from "@fleet/grpc-bridge";
import { AppError, createEventPublisher, secretKeyringOf, type HealthReport, type Logger, type Metrics, type RedisClient } from "@fleet/service-kit";
import { createApp } from "./app.js";
import type { AdapterConfig } from "./config.js";
import { adapterService } from "./grpc/adapter.handler.js";
import { basePolicy } from "./providers/base-url.js";
import { metaProvider } from "./providers/meta/meta.provider.js";
import { evolutionProvider } from "./providers/evolution/evolution.provider.js";
import { officialProvider } from "./providers/official/official.provider.js";
import { twilioProvider } from "./providers/twilio/twilio.provider.js";
import { createProviderRegistry } from "./providers/provider-registry.js";
import { createWebhookKeys } from "./providers/webhook-keys.js";
import { createBotCache, createRedisBotCacheGeneration } from "./repositories/bot-cache.js";
import { createBotHealthRepository } from "./repositories/bot-health.repository.js";
import { createBotsRepository, createProviderSecretBox } from "./repositories/bots.repository.js";
import { createIdempotencyRepository } from "./repositories/idempotency.repository.js";
import { createInboundRepository } from "./repositories/inbound.repository.js";
import { createOfferedChoicesRepository } from "./repositories/offered-choices.repository.js";
import { createOutboundQuotasRepository } from "./repositories/outbound-quotas.repository.js";
import { createRedisPacer, createSlidingWindow } from "./repositories/pacer.js";
import { createWebhookDeadLetterRepository } from "./repositories/webhook-dead-letter.repository.js";
import { createBaileysModule } from "./sessions/baileys/baileys.module.js";
import type { BaileysSocketFactory } from "./sessions/baileys/baileys-socket.js";
import { createConnectionUpdates } from "./sessions/connection-updates.js";
import { createConfigureBot } from "./use-cases/configure-bot.use-case.js";
import { createDeleteBot } from "./use-cases/delete-bot.use-case.js";
import { createGetBot } from "./use-cases/get-bot.use-case.js";
import { createGetConnection } from "./use-cases/get-connection.use-case.js";
import { createGetMedia } from "./use-cases/get-media.use-case.js";
import { createMarkRead } from "./use-cases/mark-read.use-case.js";
import { createUploadMedia } from "./use-cases/media-upload.use-case.js";
import { createListBots } from "./use-cases/list-bots.use-case.js";
import { createReceiveWebhook } from "./use-cases/receive-webhook.use-case.js";
import { createRequestPairingCode } from "./use-cases/request-pairing-code.use-case.js";
import { createSendMessage } from "./use-cases/send-message.use-case.js";
import { createSendMessages } from "./use-cases/send-messages.use-case.js";
import { createSetOutboundQuota } from "./use-cases/set-outbound-quota.use-case.js";
import { createWatchConnection } from "./use-cases/watch-connection.use-case.js";

export interface AdapterInfra {
  config: AdapterConfig;
  pool: pg.Pool;
  redis: RedisClient;
  /** A connection used only for SUBSCRIBE (the live connection feed of Baileys bots). */
  subscriber: RedisClient;
  logger: Logger;
  metrics: Metrics;
  health: () => Promise<HealthReport>;
  /** Baileys sockets: the real makeWASocket unless given (tests pass a fake). */
  baileysSockets?: BaileysSocketFactory;
  /** This replica's service token for the other adapter replicas (sends forwarded to a bot's Baileys session); absent without gRPC auth. */
  baileysPeerAuth?: ClientAuth;
}

export function composeAdapter({ config, pool, redis, subscriber, logger, metrics, health, baileysSockets, baileysPeerAuth }: AdapterInfra) {
  const registers = [metrics.registry];
  const counters = {
    inbound: new Counter({ name: "adapter_inbound_items_total", help: "Webhook items by provider, type and outcome.", labelNames: ["provider", "type", "outcome"] as const, registers }),
    deadLettered: new Counter({ name: "adapter_webhooks_dead_lettered_total", help: "Signed webhooks (or items of one) that can never be processed, kept in webhooks.dead, by provider and reason.", labelNames: ["provider", "reason"] as const, registers }),
    received: new Counter({ name: "whatsapp_messages_received_total", help: "Messages from contacts appended to the inbound streams (retries not counted), by provider.", labelNames: ["provider"] as const, registers }),
  };
  const sendMetrics = {
    sent: new Counter({ name: "whatsapp_messages_sent_total", help: "Messages a provider accepted, by provider.", labelNames: ["provider"] as const, registers }),
    errors: new Counter({ name: "whatsapp_errors_total", help: "Failed sends through a provider (after retries), by provider and error code.", labelNames: ["provider", "code"] as const, registers }),
    duration: new Histogram({ name: "adapter_provider_send_seconds", help: "Time to send through a provider, retries included.", labelNames: ["provider"] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers }),
    quotaWaiting: new Gauge({ name: "adapter_tenant_quota_waiting", help: "Sends waiting for their tenant's outbound quota on this replica.", registers }),
    quotaWait: new Histogram({ name: "adapter_tenant_quota_wait_seconds", help: "How long sends waited for their tenant's outbound quota.", buckets: [0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60], registers }),
    openCircuits: new Gauge({ name: "adapter_provider_circuits_open", help: "Circuits (bot × provider) open or half-open on this replica, by provider.", labelNames: ["provider"] as const, registers }),
  };

  const timeoutMs = config.PROVIDER_TIMEOUT_MS;
  const allowHttp = config.PROVIDER_ALLOW_HTTP;
  const mediaMaxBytes = config.MEDIA_MAX_BYTES;
  const secretKeys = secretKeyringOf(config);
  const webhookKeys = createWebhookKeys(secretKeys);
  const publicBaseUrl = config.PUBLIC_BASE_URL.replace(/\/+$/, "");
  const choices = createOfferedChoicesRepository(redis);
  const inbound = createInboundRepository(redis, { dedupeTtlS: config.INBOUND_DEDUPE_TTL_S, partitions: config.INBOUND_PARTITIONS });
  const connectionUpdates = createConnectionUpdates({ redis, subscriber, keyPrefix: config.REDIS_KEY_PREFIX });
  const baileys = createBaileysModule({ config, pool, redis, logger, connectionUpdates, inbound, choices, counters, registry: metrics.registry, sockets: baileysSockets, peerAuth: baileysPeerAuth, secretKeys });
  const providers = createProviderRegistry([
    metaProvider({ baseUrl: config.META_GRAPH_BASE_URL, version: config.META_GRAPH_VERSION, timeoutMs, appSecret: config.META_APP_SECRET, mediaMaxBytes, baseUrls: basePolicy(config.META_GRAPH_BASE_URL, config.META_ALLOWED_HOSTS, allowHttp) }),
    officialProvider({ baseUrl: config.OFFICIAL_BASE_URL, timeoutMs, webhookKeys, publicBaseUrl, mediaMaxBytes, baseUrls: basePolicy(config.OFFICIAL_BASE_URL, config.OFFICIAL_ALLOWED_HOSTS, allowHttp) }),
    twilioProvider({ baseUrl: config.TWILIO_API_BASE_URL, timeoutMs, mediaMaxBytes, statusCallbackUrl: `${publicBaseUrl}/webhooks/twilio`, baseUrls: basePolicy(config.TWILIO_API_BASE_URL, config.TWILIO_ALLOWED_HOSTS, allowHttp) }),
    evolutionProvider({ timeoutMs, webhookKeys, publicBaseUrl, mediaMaxBytes, baseUrls: basePolicy(undefined, config.EVOLUTION_ALLOWED_HOSTS, allowHttp) }),
    baileys.descriptor,
  ]);
  const quotas = createOutboundQuotasRepository(pool, { ttlMs: config.QUOTA_CACHE_TTL_MS });

  const bots = createBotsRepository(pool, createProviderSecretBox(secretKeys), logger);
  const botCache = createBotCache(bots, { ttlMs: config.BOT_CACHE_TTL_MS, generation: createRedisBotCacheGeneration(redis), logger });
  const botHealth = createBotHealthRepository(redis);
  const sendMessage = createSendMessage({
    bots: botCache,
    idempotency: createIdempotencyRepository(redis, { ttlS: config.IDEMPOTENCY_TTL_S, leaseMs: config.PROVIDER_TIMEOUT_MS * 3 }),
    providers,
    choices,
    botHealth,
    events: createEventPublisher(redis, "whatsapp-adapter"),
    pace: createRedisPacer(redis, { maxInFlightMs: config.PROVIDER_TIMEOUT_MS }),
    quotas: {
      limitOf: (tenantId) => quotas.find(tenantId),
      window: createSlidingWindow(redis, {
        windowMs: 60_000,
        maxInFlightMs: config.PROVIDER_TIMEOUT_MS,
        maxPollMs: 1000,
        deadline: () => new AppError("deadline_exceeded", "TENANT_QUOTA_DEADLINE", "The tenant's outbound quota is used up for now; the message waits to be sent later"),
      }),
      metrics: { waiting: sendMetrics.quotaWaiting, wait: sendMetrics.quotaWait },
    },
    breakerFailures: config.BREAKER_FAILURES,
    breakerHalfOpenAfterMs: config.BREAKER_HALF_OPEN_AFTER_MS,
    logger,
    metrics: sendMetrics,
  });
  const receiveWebhook = createReceiveWebhook({
    providers,
    choices,
    bots: botCache,
    inbound,
    deadLetters: createWebhookDeadLetterRepository(redis, { maxLen: config.WEBHOOK_DEAD_LETTER_MAXLEN }),
    logger,
    counters,
  });

  const sendsOfThisReplica = baileys.forwardSends(sendMessage, botCache);

  return {
    /** The Baileys sessions of this replica: main.ts starts them once gRPC listens and stops them on SIGTERM. */
    baileys,
    app: createApp({ logger, metrics, health, webhooks: { metaVerifyToken: config.META_VERIFY_TOKEN, publicBaseUrl, providers, receive: receiveWebhook } }),
    grpcService: adapterService({
      configureBot: createConfigureBot({ bots, cache: botCache, botHealth, providers, timeoutMs }),
      listBots: createListBots({ bots, botHealth, providers }),
      getBot: createGetBot({ bots, botHealth, providers }),
      deleteBot: createDeleteBot({ bots, cache: botCache, botHealth, providers, logger, timeoutMs }),
      sendMessage: sendsOfThisReplica,
      sendMessages: createSendMessages({ sendMessage: sendsOfThisReplica, logger }),
      getConnection: createGetConnection({ bots: botCache, botHealth, providers, liveConnections: connectionUpdates, timeoutMs }),
      watchConnection: createWatchConnection({ bots: botCache, updates: connectionUpdates }),
      requestPairingCode: createRequestPairingCode({ bots: botCache, pairingCodes: baileys.pairingCodes }),
      getMedia: createGetMedia({ bots: botCache, providers, timeoutMs }),
      setOutboundQuota: createSetOutboundQuota({ quotas }),
      markRead: createMarkRead({ bots: botCache, providers, timeoutMs }),
      uploadMedia: createUploadMedia({ bots: botCache, providers, timeoutMs, maxBytes: mediaMaxBytes }),
    }),
  };
}
