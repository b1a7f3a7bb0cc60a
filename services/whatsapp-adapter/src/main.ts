// Wiring only: config → runtime (logger, metrics, pool, Redis) → composition → HTTP + gRPC → graceful stop.
import { GRPC_CALLERS } from "@fleet/contracts";
import { createFleetAuth, startGrpcServer } from "@fleet/grpc-bridge";
import { ServiceRuntime, configOrExit, fleetKeyringOf } from "@fleet/service-kit";
import { composeAdapter } from "./compose.js";
import { loadAdapterConfig } from "./config.js";

const config = configOrExit(loadAdapterConfig);
const runtime = new ServiceRuntime({ service: "whatsapp-adapter", config, moduleUrl: import.meta.url, postgresSchema: "adapter" });
const { logger, metrics, pool, redis } = runtime;
const subscriber = runtime.redisConnection("whatsapp-adapter-subscriber");
const fleetAuth = createFleetAuth({ service: "whatsapp-adapter", keys: fleetKeyringOf(config), callers: GRPC_CALLERS });
const adapter = composeAdapter({ config, pool, redis, subscriber, logger, metrics, health: runtime.health(), baileysPeerAuth: fleetAuth.client("whatsapp-adapter") });

await runtime.listen(adapter.app);
// UploadMedia carries whole files: room for the largest one (MEDIA_MAX_BYTES) and the message around it.
const grpc = await startGrpcServer({ host: config.GRPC_HOST, port: config.GRPC_PORT, logger, metrics, services: [adapter.grpcService], maxReceiveMessageBytes: config.MEDIA_MAX_BYTES + 64 * 1024, auth: fleetAuth.server });

// Baileys sessions start once this replica can be reached at the address its leases advertise.
await adapter.baileys.start();

// Baileys sessions stop first: their leases are released while this replica still forwards the
// sends that reach it to the replicas taking the bots over.
runtime.ready({ grpcPort: grpc.port }, [
  { name: "baileys sessions", run: () => adapter.baileys.stop() },
  { name: "grpc", run: () => grpc.stop() },
]);
