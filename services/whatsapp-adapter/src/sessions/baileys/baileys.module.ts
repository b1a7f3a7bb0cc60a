// The Baileys session subsystem of one adapter replica, wired from its parts:
// auth state in Postgres, the sessions, the ownership loop (leases in Redis),
// the inbound path and the provider descriptor that sends through them.
// compose.ts lists it; main.ts starts it after the gRPC server is up and
// stops it on SIGTERM (sockets end without logging out, leases are released).
import type pg from "pg";
import type { ClientAuth } from "@fleet/grpc-bridge";
import type { Counter, Registry } from "prom-client";
import { AppError, createEventPublisher, type Logger, type RedisClient, type SecretKeyring } from "@fleet/service-kit";
import type { AdapterConfig } from "../../config.js";
import { baileysProvider } from "../../providers/baileys/baileys.provider.js";
import type { InboundRepository } from "../../repositories/inbound.repository.js";
import type { OfferedChoicesRepository } from "../../repositories/offered-choices.repository.js";
import type { ConnectionUpdates } from "../connection-updates.js";
import type { BotCache } from "../../repositories/bot-cache.js";
import type { SendMessage } from "../../use-cases/send-message.use-case.js";
import { createBaileysAuthRepository, createSessionSecretBox } from "./baileys-auth.repository.js";
import { createSendForwarding } from "./baileys-forwarding.js";
import { createBaileysOwnership } from "./baileys-ownership.js";
import { registerBaileysMetrics } from "./baileys-metrics.js";
import { createBaileysReceiver } from "./baileys-receiver.js";
import { createBaileysSessions } from "./baileys-sessions.js";
import { createBaileysSocketFactory, type BaileysSocketFactory } from "./baileys-socket.js";

export interface BaileysModuleDeps {
  config: AdapterConfig;
  pool: pg.Pool;
  redis: RedisClient;
  logger: Logger;
  connectionUpdates: ConnectionUpdates;
  inbound: InboundRepository;
  choices: Pick<OfferedChoicesRepository, "find">;
  counters: { received: Counter<"provider">; inbound: Counter<"provider" | "type" | "outcome"> };
  /** Where adapter_baileys_sessions and adapter_baileys_owned_bots are registered (absent: not exported). */
  registry?: Registry;
  /** The real makeWASocket unless given (tests pass a fake). */
  sockets?: BaileysSocketFactory;
  /** This replica's service token for calls to the other adapter replicas (forwarded sends and pairing requests). */
  peerAuth?: ClientAuth;
  /** The adapter's secrets keyring (the session state is sealed with it). */
  secretKeys: SecretKeyring;
}

export function createBaileysModule({ config, pool, redis, logger, connectionUpdates, inbound, choices, counters, registry, sockets, peerAuth, secretKeys }: BaileysModuleDeps) {
  const auth = createBaileysAuthRepository(pool, createSessionSecretBox(secretKeys), logger);
  const sessions = createBaileysSessions({
    factory: sockets ?? createBaileysSocketFactory({ logger, browserName: config.BAILEYS_BROWSER_NAME }),
    auth,
    updates: connectionUpdates,
    receive: createBaileysReceiver({ inbound, events: createEventPublisher(redis, "whatsapp-adapter"), choices, logger, counters }),
    logger,
    backoff: { initialMs: 1000, maxMs: config.BAILEYS_RECONNECT_MAX_MS },
    // A send during a handover waits for the new socket to open, leaving half of a provider call's time for the send.
    connectWaitMs: Math.floor(config.PROVIDER_TIMEOUT_MS / 2),
  });
  const ownership = createBaileysOwnership({
    redis,
    sessions,
    listBots: () => auth.listBots(),
    address: config.BAILEYS_ADVERTISED_ADDRESS ?? `${config.GRPC_HOST}:${config.GRPC_PORT}`,
    logger,
    ttlMs: config.BAILEYS_LEASE_TTL_MS,
    renewMs: config.BAILEYS_RENEW_MS,
  });
  if (registry) registerBaileysMetrics(registry, { sessions, ownership });
  const descriptor = baileysProvider({
    sessions,
    ownerOf: (botId) => ownership.ownerOf(botId),
    requestRelink: (botId) => ownership.requestRelink(botId),
    updates: connectionUpdates,
    auth,
    typing: { msPerChar: config.BAILEYS_TYPING_MS_PER_CHAR, maxMs: config.BAILEYS_TYPING_MAX_MS },
    allowHttpMedia: config.PROVIDER_ALLOW_HTTP,
  });

  let forwarding: ReturnType<typeof createSendForwarding> | null = null;
  function forwardingWith(bots: Pick<BotCache, "find">) {
    forwarding ??= createSendForwarding({
      bots,
      runsHere: (botId) => sessions.has(botId),
      ownerOf: (botId) => ownership.ownerOf(botId),
      replicaId: ownership.replicaId,
      logger,
      maxDeadlineMs: config.PROVIDER_TIMEOUT_MS * 3,
      // A released lease is taken by another replica on its next tick.
      ownerWaitMs: config.BAILEYS_RENEW_MS + 1000,
      ...(peerAuth ? { auth: peerAuth } : {}),
    });
    return forwarding;
  }

  return {
    descriptor,
    sessions,
    ownership,
    auth,
    /** Takes this replica's share of the Baileys bots and keeps it (call once the gRPC server listens). */
    start: () => ownership.start(),
    /** Ends every socket without logging out and releases the leases. */
    async stop(): Promise<void> {
      await ownership.stop();
      forwarding?.close();
    },
    /** SendMessage that runs on the replica running the bot's Baileys session (see baileys-forwarding.ts). */
    forwardSends(sendMessage: SendMessage, bots: Pick<BotCache, "find">): SendMessage {
      return forwardingWith(bots).wrap(sendMessage);
    },
    /**
     * PairingCodes of RequestPairingCode: asks the bot's session for an 8-character code, here or,
     * forwarded, on the replica that runs it.
     */
    pairingCodes: {
      async request(botId: string, phone: string): Promise<{ pairingCode: string }> {
        if (sessions.has(botId)) return { pairingCode: await sessions.requestPairingCode(botId, phone) };
        const owner = await ownership.ownerOf(botId);
        const tenantId = owner && owner.replicaId !== ownership.replicaId ? await auth.tenantOf(botId) : null;
        if (!owner || !tenantId || !forwarding) {
          throw new AppError("unavailable", "BAILEYS_SESSION_STARTING", "No adapter replica runs the bot's WhatsApp session yet; try again shortly");
        }
        const { pairingCode } = await forwarding.clientFor(owner.address).requestPairingCode({ tenantId, botId, phoneNumber: phone }, { deadlineMs: 45_000 });
        return { pairingCode };
      },
    },
  };
}

export type BaileysModule = ReturnType<typeof createBaileysModule>;
