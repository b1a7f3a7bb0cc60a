// A fake whatsapp-adapter over the real gRPC wire: the real bridge server on
// port 0 with scripted AdapterService handlers that record what they received.
import { Writable } from "node:stream";
import { AdapterService, ConnectionState, ProviderKind, type GetConnectionRequest, type SendMessageRequest } from "@fleet/contracts/adapter";
import { implement, startGrpcServer, type CallContext, type RunningGrpcServer } from "@fleet/grpc-bridge";
import { AppError, createLogger, createMetrics } from "@fleet/service-kit";

export interface Received<T> {
  request: T;
  requestId: string;
}

export interface FakeAdapter {
  address: string;
  getConnections: Received<GetConnectionRequest>[];
  sends: Received<SendMessageRequest>[];
  /** Replaces the GetConnection behaviour (default: connected on meta). */
  onGetConnection: (request: GetConnectionRequest) => Promise<{ state: ConnectionState; provider: ProviderKind; qr?: string; pairingCode?: string; detail?: string }>;
  onSendMessage: (request: SendMessageRequest) => Promise<{ providerMessageId: string; provider: ProviderKind; replayed: boolean }>;
  reset(): void;
  stop(): Promise<void>;
}

const defaults = {
  onGetConnection: async () => ({ state: ConnectionState.CONNECTED, provider: ProviderKind.META }),
  onSendMessage: async () => ({ providerMessageId: "wamid.fake-1", provider: ProviderKind.META, replayed: false }),
};

export async function startFakeAdapter(): Promise<FakeAdapter> {
  const logger = createLogger({ service: "fake-adapter", level: "error", stream: new Writable({ write: (_c, _e, done) => done() }) });
  const fake: Omit<FakeAdapter, "address" | "stop"> = {
    getConnections: [],
    sends: [],
    ...defaults,
    reset() {
      fake.getConnections.length = 0;
      fake.sends.length = 0;
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
        async getConnection(request, context) {
          record(fake.getConnections, request, context);
          return fake.onGetConnection(request);
        },
        async sendMessage(request, context) {
          record(fake.sends, request, context);
          return fake.onSendMessage(request);
        },
        configureBot: () => Promise.reject(new AppError("unimplemented", "NOT_IMPLEMENTED", "not in this fake")),
      }),
    ],
  });
  return Object.assign(fake, { address: `127.0.0.1:${server.port}`, stop: () => server.stop(100) });
}
