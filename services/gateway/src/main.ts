// Wiring only: config → runtime (logger, metrics, pool, Redis) → clients → HTTP + gRPC → graceful stop.
import { CommerceService } from "@fleet/contracts/commerce";
import { implement, startGrpcServer, unimplemented } from "@fleet/grpc-bridge";
import { ServiceRuntime, configOrExit } from "@fleet/service-kit";
import { createApp } from "./app.js";
import { createAdapterClient } from "./clients/adapter.client.js";
import { createFleetHealthClient } from "./clients/fleet-health.client.js";
import { loadGatewayConfig } from "./config.js";

const config = configOrExit(loadGatewayConfig);
const runtime = new ServiceRuntime({ service: "gateway", config, moduleUrl: import.meta.url, postgresSchema: "gateway" });
const { logger, metrics, pool, redis } = runtime;

const adapter = createAdapterClient(config.ADAPTER_GRPC_URL, { deadlineMs: config.GRPC_DEADLINE_MS });
const fleetHealth = createFleetHealthClient({
  timeoutMs: config.HEALTH_FANOUT_TIMEOUT_MS,
  services: { "whatsapp-adapter": config.ADAPTER_HTTP_URL, "bot-orchestrator": config.ORCHESTRATOR_HTTP_URL, "analytics-worker": config.ANALYTICS_HTTP_URL },
});
const app = createApp({
  trustProxy: config.TRUST_PROXY,
  logger,
  metrics,
  health: runtime.health(),
  pool,
  redis,
  adapter,
  fleetHealth,
  auth: {
    jwtSecret: config.JWT_SECRET,
    accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
    loginLimits: { maxFailuresPerIdentity: config.LOGIN_MAX_FAILURES_PER_IDENTITY, maxFailuresPerIp: config.LOGIN_MAX_FAILURES_PER_IP, windowSeconds: config.LOGIN_FAILURE_WINDOW_S },
  },
});
await runtime.listen(app);
const grpc = await startGrpcServer({ host: config.GRPC_HOST, port: config.GRPC_PORT, logger, metrics, services: [implement(CommerceService, unimplemented(CommerceService))] });

runtime.ready({ grpcPort: grpc.port }, [
  { name: "grpc", run: () => grpc.stop() },
  { name: "adapter client", run: async () => adapter.close() },
]);
