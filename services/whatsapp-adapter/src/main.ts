// Wiring only: config → runtime (logger, metrics, pool, Redis) → composition → HTTP + gRPC → graceful stop.
import { startGrpcServer } from "@fleet/grpc-bridge";
import { ServiceRuntime, configOrExit } from "@fleet/service-kit";
import { composeAdapter } from "./compose.js";
import { loadAdapterConfig } from "./config.js";

const config = configOrExit(loadAdapterConfig);
const runtime = new ServiceRuntime({ service: "whatsapp-adapter", config, moduleUrl: import.meta.url, postgresSchema: "adapter" });
const { logger, metrics, pool, redis } = runtime;
const adapter = composeAdapter({ config, pool, redis, logger, metrics, health: runtime.health() });

await runtime.listen(adapter.app);
// UploadMedia carries whole files: room for the largest one (MEDIA_MAX_BYTES) and the message around it.
const grpc = await startGrpcServer({ host: config.GRPC_HOST, port: config.GRPC_PORT, logger, metrics, services: [adapter.grpcService], maxReceiveMessageBytes: config.MEDIA_MAX_BYTES + 64 * 1024 });

runtime.ready({ grpcPort: grpc.port }, [{ name: "grpc", run: () => grpc.stop() }]);
