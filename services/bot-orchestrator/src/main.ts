// Wiring only: config → runtime (logger, metrics, pool, Redis) → composition → HTTP + gRPC + consumer → graceful stop.
import { GRPC_CALLERS } from "@fleet/contracts";
import { createFleetAuth, startGrpcServer } from "@fleet/grpc-bridge";
import { ServiceRuntime, configOrExit, fleetKeyringOf } from "@fleet/service-kit";
import { createAdapterReplySender } from "./clients/adapter.client.js";
import { createCommerceClient } from "./clients/commerce.client.js";
import { composeOrchestrator } from "./compose.js";
import { loadOrchestratorConfig } from "./config.js";

const config = configOrExit(loadOrchestratorConfig);
const runtime = new ServiceRuntime({ service: "bot-orchestrator", config, moduleUrl: import.meta.url, postgresSchema: "orchestrator" });
const { logger, metrics, pool, redis } = runtime;
const fleetAuth = createFleetAuth({ service: "bot-orchestrator", keys: fleetKeyringOf(config), callers: GRPC_CALLERS });
const sender = createAdapterReplySender(config.ADAPTER_GRPC_URL, config.GRPC_DEADLINE_MS, fleetAuth.client("whatsapp-adapter"));
const commerce = createCommerceClient(config.COMMERCE_GRPC_URL, config.GRPC_DEADLINE_MS, fleetAuth.client("gateway"));
const orchestrator = composeOrchestrator({
  config,
  pool,
  redis,
  blockingConnection: (name) => runtime.openRedisConnection(name, true),
  sender,
  commerce,
  logger,
  metrics,
  health: runtime.health(),
});

await runtime.listen(orchestrator.app);
const grpc = await startGrpcServer({ host: config.GRPC_HOST, port: config.GRPC_PORT, logger, metrics, services: [orchestrator.grpcService], auth: fleetAuth.server });
orchestrator.consumer.start();

runtime.ready({ grpcPort: grpc.port, consumer: config.CONSUMER_NAME }, [
  // Drain first: entries in hand get their replies sent and are acked.
  { name: "consumer", run: () => orchestrator.consumer.stop() },
  { name: "grpc", run: () => grpc.stop() },
  { name: "adapter client", run: async () => sender.close() },
  { name: "commerce client", run: async () => commerce.close() },
]);
