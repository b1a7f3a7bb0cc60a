// A fake whatsapp-adapter over the real gRPC wire: the real bridge server on
// port 0 with scripted AdapterService handlers that record what they received.
// Bots are kept per tenant as the adapter keeps them: another tenant's bot is
// NOT_FOUND, secrets are write-only (only their names come back) and an
// update that omits a provider's secrets keeps the stored ones.
import { randomUUID } from "node:crypto";
import {
  AdapterService,
  ConnectionState,
  ProviderKind,
  type ConfigureBotRequest,
  type DeleteBotRequest,
  type GetBotRequest,
  type GetConnectionRequest,
  type GetMediaRequest,
  type ListBotsRequest,
  type RequestPairingCodeRequest,
  type SendMessageRequest,
} from "@fleet/contracts/adapter";
import { implement, startGrpcServer, unimplemented, type CallContext, type RunningGrpcServer } from "@fleet/grpc-bridge";
import { AppError, createMetrics } from "@fleet/service-kit";
import { memoryLogger } from "@fleet/testing";

export interface Received<T> {
  request: T;
  requestId: string;
}

/** A provider as the fake stores it: with its secrets' values, which it never answers. */
export interface FakeProvider {
  kind: ProviderKind;
  settings: Record<string, string>;
  secrets: Record<string, string>;
}

export interface FakeBot {
  id: string;
  tenantId: string;
  displayName: string;
  providers: FakeProvider[];
  createdAt: Date;
  updatedAt: Date;
}

export interface FakeAdapter {
  address: string;
  getConnections: Received<GetConnectionRequest>[];
  sends: Received<SendMessageRequest>[];
  configures: Received<ConfigureBotRequest>[];
  lists: Received<ListBotsRequest>[];
  gets: Received<GetBotRequest>[];
  deletes: Received<DeleteBotRequest>[];
  mediaRequests: Received<GetMediaRequest>[];
  pairingRequests: Received<RequestPairingCodeRequest>[];
  /** Media files by `${botId}/${providerMediaId}` (default: none, NOT_FOUND MEDIA_NOT_FOUND). */
  media: Map<string, { data: Buffer; mimeType: string; filename: string }>;
  /** Replaces the GetConnection behaviour (default: connected on meta). */
  onGetConnection: (request: GetConnectionRequest) => Promise<{ state: ConnectionState; provider: ProviderKind; qr?: string; pairingCode?: string; detail?: string }>;
  onSendMessage: (request: SendMessageRequest) => Promise<{ providerMessageId: string; provider: ProviderKind; replayed: boolean }>;
  /** Answers RequestPairingCode for one of the tenant's bots (another tenant's is NOT_FOUND first). */
  onRequestPairingCode: (request: RequestPairingCodeRequest) => Promise<{ pairingCode: string }>;
  /** Stores a bot for the tenant without going through the wire (and without recording a call). */
  addBot(tenantId: string, bot: { displayName: string; providers: FakeProvider[] }): FakeBot;
  /** The tenant's stored bots, oldest first (secret values included, for assertions). */
  botsOf(tenantId: string): FakeBot[];
  /** Forgets the recorded calls and the stored bots, and restores the default behaviours. */
  reset(): void;
  stop(): Promise<void>;
}

const defaults = {
  onGetConnection: async () => ({ state: ConnectionState.CONNECTED, provider: ProviderKind.META }),
  onSendMessage: async () => ({ providerMessageId: "wamid.fake-1", provider: ProviderKind.META, replayed: false }),
  onRequestPairingCode: async () => ({ pairingCode: "FAKE1234" }),
};

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;
// The secret each Cloud API kind needs to count as connected, as the adapter decides.
const REQUIRED_SECRET: Partial<Record<ProviderKind, string>> = { [ProviderKind.META]: "access_token", [ProviderKind.OFFICIAL]: "api_key" };

const botNotFound = () => new AppError("not_found", "BOT_NOT_FOUND", "Bot not found");

function connectionOf(bot: FakeBot): { connectionState: ConnectionState; connectionDetail: string } {
  const primary = bot.providers[0];
  if (!primary) return { connectionState: ConnectionState.MISCONFIGURED, connectionDetail: "The bot has no provider configured" };
  const required = REQUIRED_SECRET[primary.kind];
  if (required === undefined) return { connectionState: ConnectionState.DISCONNECTED, connectionDetail: "sessions are not available yet" };
  return primary.secrets[required] ? { connectionState: ConnectionState.CONNECTED, connectionDetail: "" } : { connectionState: ConnectionState.MISCONFIGURED, connectionDetail: `Missing ${required}` };
}

function timestampOf(date: Date) {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** The bot as the adapter answers it: secret names, never values. */
function botMessage(bot: FakeBot) {
  return {
    id: bot.id,
    tenantId: bot.tenantId,
    displayName: bot.displayName,
    providers: bot.providers.map((p) => ({ kind: p.kind, settings: { ...p.settings }, secretNames: Object.keys(p.secrets).sort() })),
    createTime: timestampOf(bot.createdAt),
    updateTime: timestampOf(bot.updatedAt),
    ...connectionOf(bot),
  };
}

export async function startFakeAdapter(): Promise<FakeAdapter> {
  const { logger } = memoryLogger("fake-adapter", "error");
  // tenant id → bot id → bot; a Map keeps insertion order, which is creation order.
  const tenants = new Map<string, Map<string, FakeBot>>();
  const botsOfTenant = (tenantId: string) => {
    let bots = tenants.get(tenantId);
    if (!bots) {
      bots = new Map();
      tenants.set(tenantId, bots);
    }
    return bots;
  };

  function store(tenantId: string, { displayName, providers }: { displayName: string; providers: FakeProvider[] }): FakeBot {
    const now = new Date();
    const bot: FakeBot = { id: randomUUID(), tenantId, displayName, providers, createdAt: now, updatedAt: now };
    botsOfTenant(tenantId).set(bot.id, bot);
    return bot;
  }

  function configure(request: ConfigureBotRequest): FakeBot {
    const problems: string[] = [];
    if (request.displayName.trim() === "") problems.push("display_name must be 1-200 characters");
    if (request.providers.length === 0 || request.providers.length > 5) problems.push("providers must list 1 to 5 providers");
    if (request.providers.some((p) => p.kind === ProviderKind.UNSPECIFIED)) problems.push("providers must name their kind");
    if (new Set(request.providers.map((p) => p.kind)).size !== request.providers.length) problems.push("providers must not repeat a provider kind");
    if (problems.length > 0) throw new AppError("invalid_argument", "INVALID_BOT_CONFIG", "Invalid bot configuration", { details: problems });
    const existing = request.botId ? tenants.get(request.tenantId)?.get(request.botId) : undefined;
    if (request.botId && !existing) throw botNotFound();
    const providers = request.providers.map((p) => ({
      kind: p.kind,
      settings: { ...p.settings },
      secrets: { ...existing?.providers.find((kept) => kept.kind === p.kind)?.secrets, ...p.secrets },
    }));
    if (!existing) return store(request.tenantId, { displayName: request.displayName.trim(), providers });
    Object.assign(existing, { displayName: request.displayName.trim(), providers, updatedAt: new Date() });
    return existing;
  }

  function find(tenantId: string, botId: string): FakeBot {
    const bot = tenants.get(tenantId)?.get(botId);
    if (!bot) throw botNotFound();
    return bot;
  }

  function list(request: ListBotsRequest) {
    if (request.pageSize < 0) throw new AppError("invalid_argument", "INVALID_LIST_REQUEST", "Invalid list request", { details: ["page_size must not be negative"] });
    const bots = [...(tenants.get(request.tenantId)?.values() ?? [])];
    // The token is the id of the previous page's last bot: opaque to the gateway, like the adapter's.
    const start = request.pageToken === "" ? 0 : bots.findIndex((bot) => bot.id === request.pageToken) + 1;
    if (start === 0 && request.pageToken !== "") throw new AppError("invalid_argument", "INVALID_PAGE_TOKEN", "page_token is not one this service issued");
    const page = bots.slice(start, start + Math.min(request.pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
    const last = page[page.length - 1];
    return { bots: page.map(botMessage), nextPageToken: last && start + page.length < bots.length ? last.id : "" };
  }

  const fake: Omit<FakeAdapter, "address" | "stop"> = {
    getConnections: [],
    sends: [],
    configures: [],
    lists: [],
    gets: [],
    deletes: [],
    mediaRequests: [],
    pairingRequests: [],
    media: new Map(),
    ...defaults,
    addBot: store,
    botsOf: (tenantId) => [...(tenants.get(tenantId)?.values() ?? [])],
    reset() {
      for (const calls of [fake.getConnections, fake.sends, fake.configures, fake.lists, fake.gets, fake.deletes, fake.mediaRequests, fake.pairingRequests]) calls.length = 0;
      tenants.clear();
      fake.media.clear();
      Object.assign(fake, defaults);
    },
  };
  const record = <T>(list: Received<T>[], request: T, context: CallContext) => list.push({ request, requestId: context.requestId });
  const server: RunningGrpcServer = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    logger,
    metrics: createMetrics("fake-adapter"),
    services: [
      implement(AdapterService, {
        // The gateway never batches sends (that is the orchestrator's call).
        ...unimplemented(AdapterService),
        async getConnection(request, context) {
          record(fake.getConnections, request, context);
          return fake.onGetConnection(request);
        },
        async sendMessage(request, context) {
          record(fake.sends, request, context);
          return fake.onSendMessage(request);
        },
        async configureBot(request, context) {
          record(fake.configures, request, context);
          return { bot: botMessage(configure(request)) };
        },
        async listBots(request, context) {
          record(fake.lists, request, context);
          return list(request);
        },
        async getBot(request, context) {
          record(fake.gets, request, context);
          return { bot: botMessage(find(request.tenantId, request.botId)) };
        },
        async getMedia(request, context) {
          record(fake.mediaRequests, request, context);
          find(request.tenantId, request.botId);
          const file = fake.media.get(`${request.botId}/${request.providerMediaId}`);
          if (!file) throw new AppError("not_found", "MEDIA_NOT_FOUND", "The provider no longer has this media");
          return file;
        },
        async requestPairingCode(request, context) {
          record(fake.pairingRequests, request, context);
          find(request.tenantId, request.botId);
          return fake.onRequestPairingCode(request);
        },
        // The dashboard feed's tests stream from the real adapter (whatsapp-adapter's composition).
        // eslint-disable-next-line require-yield -- refuses before streaming anything
        async *watchConnection(request) {
          find(request.tenantId, request.botId);
          throw new AppError("unimplemented", "NOT_IN_FAKE", "The fake adapter streams no connection updates");
        },
        // Not used by the gateway (yet): the orchestrator marks messages read, operators set quotas.
        async setOutboundQuota() {
          throw new AppError("unimplemented", "NOT_IN_FAKE", "The gateway never sets outbound quotas");
        },
        async markRead() {
          throw new AppError("unimplemented", "NOT_IN_FAKE", "The gateway never marks messages read");
        },
        async uploadMedia() {
          throw new AppError("unimplemented", "NOT_IN_FAKE", "The gateway does not upload media yet");
        },
        async deleteBot(request, context) {
          record(fake.deletes, request, context);
          find(request.tenantId, request.botId);
          tenants.get(request.tenantId)?.delete(request.botId);
          return {};
        },
      }),
    ],
  });
  return Object.assign(fake, { address: `127.0.0.1:${server.port}`, stop: () => server.stop(100) });
}
