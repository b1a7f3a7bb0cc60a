// gRPC client of the whatsapp-adapter's AdapterService. Every call carries a
// deadline. Errors the adapter raised come back as its own AppError (code,
// kind, message, details) and are passed on; transport failures (adapter down,
// deadline) get a fixed message, because grpc-js writes the adapter's internal
// address into its own. Bots come back as plain objects with the fleet's
// provider and state names; their secrets only ever as names.
import { AdapterService, type Bot as BotMessage, type ConnectionUpdate as ConnectionUpdateMessage, type ProviderKind } from "@fleet/contracts/adapter";
import { connectionStateName, providerKindName, providerKindOf, type ConnectionStateName, type ProviderKindName } from "@fleet/contracts";
import { createServiceClient, type CallOptions, type ClientAuth, type StreamCallOptions } from "@fleet/grpc-bridge";
import { AppError } from "@fleet/service-kit";

const TRANSPORT_MESSAGES: Partial<Record<AppError["kind"], string>> = {
  unavailable: "The WhatsApp adapter is unavailable; try again later",
  deadline_exceeded: "The WhatsApp adapter did not answer in time",
};

/** The bridge names errors the server did not raise itself `GRPC_<STATUS>`: those are the transport's. */
function withoutTransportDetails(error: unknown): never {
  if (error instanceof AppError && error.code.startsWith("GRPC_")) {
    throw new AppError(error.kind, error.code, TRANSPORT_MESSAGES[error.kind] ?? "The call to the WhatsApp adapter failed", { cause: error });
  }
  throw error;
}

export interface BotProvider {
  /** Null for a provider kind newer than this build. */
  kind: ProviderKindName | null;
  /** Non-secret settings, e.g. phone_number_id. */
  settings: Record<string, string>;
  /** Names of the secrets that are set, sorted; their values are never returned. */
  secretNames: string[];
}

export interface Bot {
  id: string;
  tenantId: string;
  displayName: string;
  /** The primary provider first, then the fallback order. */
  providers: BotProvider[];
  /** ISO 8601, UTC. */
  createdAt: string;
  /** ISO 8601, UTC: the last time the bot was configured. */
  updatedAt: string;
  /** The primary provider's state (null for one newer than this build); `detail` says why it is disconnected or misconfigured. */
  connection: { state: ConnectionStateName | null; detail?: string };
}

export interface BotsPage {
  bots: Bot[];
  /** Pass as `pageToken` for the next page; null on the last page. */
  nextPageToken: string | null;
}

export interface ConfigureBotInput {
  tenantId: string;
  /** Absent to create a bot; present to update one of the tenant's bots. */
  botId?: string;
  displayName: string;
  /** The primary provider first, then the fallback order. */
  providers: {
    kind: ProviderKindName;
    settings: Record<string, string>;
    /** Write-only. On update, a secret left out keeps its stored value. */
    secrets?: Record<string, string>;
  }[];
}

function invalidResponse(what: string): AppError {
  return new AppError("internal", "ADAPTER_INVALID_RESPONSE", "The WhatsApp adapter answered without the bot", { cause: new Error(what) });
}

/** ISO 8601 of a google.protobuf.Timestamp (to the millisecond, all a Date holds). */
function isoOf(timestamp: BotMessage["createTime"], field: string): string {
  if (!timestamp) throw invalidResponse(`bot without ${field}`);
  return new Date(Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000)).toISOString();
}

function botOf(bot: BotMessage | undefined): Bot {
  if (!bot) throw invalidResponse("response without a bot");
  return {
    id: bot.id,
    tenantId: bot.tenantId,
    displayName: bot.displayName,
    providers: bot.providers.map((p) => ({ kind: providerKindName(p.kind) ?? null, settings: { ...p.settings }, secretNames: [...p.secretNames] })),
    createdAt: isoOf(bot.createTime, "create_time"),
    updatedAt: isoOf(bot.updateTime, "update_time"),
    connection: { state: connectionStateName(bot.connectionState) ?? null, ...(bot.connectionDetail ? { detail: bot.connectionDetail } : {}) },
  };
}

/** One change of a Baileys bot's live connection, as WatchConnection streams it. */
export interface ConnectionUpdate {
  botId: string;
  /** Null for a state newer than this build. */
  state: ConnectionStateName | null;
  qr?: string;
  pairingCode?: string;
  detail?: string;
  /** ISO 8601, UTC. */
  at: string;
  /** Increases with every update of the bot (0: the bot's session has not reported yet). */
  seq: number;
}

function connectionUpdateOf(update: ConnectionUpdateMessage | undefined): ConnectionUpdate {
  if (!update) throw new AppError("internal", "ADAPTER_INVALID_RESPONSE", "The WhatsApp adapter streamed an empty connection update");
  return {
    botId: update.botId,
    state: connectionStateName(update.state) ?? null,
    ...(update.qr ? { qr: update.qr } : {}),
    ...(update.pairingCode ? { pairingCode: update.pairingCode } : {}),
    ...(update.detail ? { detail: update.detail } : {}),
    at: update.time ? isoOf(update.time, "time") : new Date(0).toISOString(),
    seq: Number(update.seq),
  };
}

/** Contact media comes back in one answer: room for the adapter's largest (MEDIA_MAX_BYTES, 16 MiB by default, at most 64). */
const MAX_ANSWER_BYTES = 65 * 1024 * 1024;

export interface ContactMedia {
  data: Buffer;
  mimeType: string;
  filename: string | null;
}

export function createAdapterClient(address: string, { deadlineMs, auth }: { deadlineMs: number; auth?: ClientAuth }) {
  const client = createServiceClient(AdapterService, address, { defaultDeadlineMs: deadlineMs, maxReceiveMessageBytes: MAX_ANSWER_BYTES, ...(auth ? { auth } : {}) });
  return {
    getConnection: (request: Parameters<typeof client.getConnection>[0], options?: CallOptions) => client.getConnection(request, options).catch(withoutTransportDetails),
    sendMessage: (request: Parameters<typeof client.sendMessage>[0], options?: CallOptions) => client.sendMessage(request, options).catch(withoutTransportDetails),

    /** The tenant's bots, oldest first; `pageSize` defaults to 50 and is capped at 100 by the adapter. */
    async listBots({ tenantId, pageSize, pageToken }: { tenantId: string; pageSize?: number; pageToken?: string }, options?: CallOptions): Promise<BotsPage> {
      const response = await client.listBots({ tenantId, pageSize: pageSize ?? 0, pageToken: pageToken ?? "" }, options).catch(withoutTransportDetails);
      return { bots: response.bots.map(botOf), nextPageToken: response.nextPageToken || null };
    },

    /** One of the tenant's bots; not_found BOT_NOT_FOUND for another tenant's, an unknown or a malformed id. */
    async getBot({ tenantId, botId }: { tenantId: string; botId: string }, options?: CallOptions): Promise<Bot> {
      const response = await client.getBot({ tenantId, botId }, options).catch(withoutTransportDetails);
      return botOf(response.bot);
    },

    /** Deletes one of the tenant's bots; not_found BOT_NOT_FOUND like getBot, also when it was already deleted. */
    async deleteBot({ tenantId, botId }: { tenantId: string; botId: string }, options?: CallOptions): Promise<void> {
      await client.deleteBot({ tenantId, botId }, options).catch(withoutTransportDetails);
    },

    /**
     * Creates a bot, or updates one of the tenant's bots when `botId` is given (not_found BOT_NOT_FOUND
     * otherwise). invalid_argument INVALID_BOT_CONFIG lists every problem in `details`; conflict
     * PROVIDER_NUMBER_IN_USE when another bot has the provider number.
     */
    async configureBot(input: ConfigureBotInput, options?: CallOptions): Promise<Bot> {
      const response = await client
        .configureBot(
          {
            tenantId: input.tenantId,
            botId: input.botId ?? "",
            displayName: input.displayName,
            providers: input.providers.map((p) => ({ kind: providerKindOf(p.kind), settings: p.settings, secrets: p.secrets ?? {} })),
          },
          options,
        )
        .catch(withoutTransportDetails);
      return botOf(response.bot);
    },

    /** A contact's media file by the reference of its inbound message; not_found for another tenant's bot or media the provider no longer has. */
    async getMedia(input: { tenantId: string; botId: string; provider: ProviderKindName; providerMediaId: string }, options?: CallOptions): Promise<ContactMedia> {
      const response = await client
        .getMedia({ tenantId: input.tenantId, botId: input.botId, provider: providerKindOf(input.provider), providerMediaId: input.providerMediaId }, options)
        .catch(withoutTransportDetails);
      return { data: Buffer.from(response.data), mimeType: response.mimeType, filename: response.filename || null };
    },

    /**
     * The live connection of one of the tenant's Baileys bots: its latest update, then every change,
     * until `signal` aborts (the iteration then just ends). not_found BOT_NOT_FOUND like getBot;
     * failed_precondition NO_LIVE_CONNECTION for a bot without a Baileys provider.
     */
    async *watchConnection({ tenantId, botId }: { tenantId: string; botId: string }, options: StreamCallOptions = {}): AsyncGenerator<ConnectionUpdate> {
      try {
        for await (const message of client.watchConnection({ tenantId, botId }, options)) yield connectionUpdateOf(message.update);
      } catch (error) {
        withoutTransportDetails(error);
      }
    },

    /** Asks the bot's Baileys session for a code that links it to `phoneNumber` (digits with the country code). */
    async requestPairingCode(input: { tenantId: string; botId: string; phoneNumber: string }, options?: CallOptions): Promise<{ pairingCode: string }> {
      const response = await client.requestPairingCode(input, options).catch(withoutTransportDetails);
      return { pairingCode: response.pairingCode };
    },

    close: () => client.close(),
  };
}

export type AdapterClient = ReturnType<typeof createAdapterClient>;

// The enum names live in @fleet/contracts (one map for the fleet); these keep the names this
// service's use cases import.
export { connectionStateName, type ConnectionStateName } from "@fleet/contracts";

/** The wire name of a provider kind; null when the adapter named none (e.g. a misconfigured bot) or one newer than this build. */
export function providerName(kind: ProviderKind): ProviderKindName | null {
  return providerKindName(kind) ?? null;
}
