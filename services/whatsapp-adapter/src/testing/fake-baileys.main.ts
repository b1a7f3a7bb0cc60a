// A test-only entry point: the adapter composed exactly as main.ts composes it,
// except that Baileys sockets are the recording fakes of
// recording-baileys-sockets.ts, so tests and scripts/bench-baileys.mjs can run
// several real adapter processes with many "linked" bots and no WhatsApp.
// Why a separate entry point in src/: those callers start the built service as
// a real process (node runs the build; the workspace has no TypeScript loader
// for child processes), so it is compiled with the service; the production
// main.ts never imports it (test/baileys-library.test.ts checks that no
// production module reaches src/testing/), and it refuses to start unless
// NODE_ENV=test, so an image that ships it cannot run it by mistake.
// Keep it in step with main.ts.
import { z } from "zod";
import { GRPC_CALLERS } from "@fleet/contracts";
import { createFleetAuth, startGrpcServer } from "@fleet/grpc-bridge";
import { ServiceRuntime, configOrExit, fleetKeyringOf, loadConfig } from "@fleet/service-kit";
import { composeAdapter } from "../compose.js";
import { loadAdapterConfig } from "../config.js";
import { createRecordingBaileysSockets } from "./recording-baileys-sockets.js";

configOrExit(() => loadConfig(z.object({ NODE_ENV: z.literal("test", { error: "must be test: this entry point fakes WhatsApp and is for tests only" }) })));
const config = configOrExit(loadAdapterConfig);
// The version is read from the package.json beside dist/, as for main.js.
const runtime = new ServiceRuntime({ service: "whatsapp-adapter", config, moduleUrl: new URL("../main.js", import.meta.url).href, postgresSchema: "adapter" });
const { logger, metrics, pool, redis } = runtime;
const subscriber = runtime.redisConnection("whatsapp-adapter-subscriber");
const fleetAuth = createFleetAuth({ service: "whatsapp-adapter", keys: fleetKeyringOf(config), callers: GRPC_CALLERS });
const adapter = composeAdapter({
  config,
  pool,
  redis,
  subscriber,
  logger,
  metrics,
  health: runtime.health(),
  baileysPeerAuth: fleetAuth.client("whatsapp-adapter"),
  baileysSockets: createRecordingBaileysSockets(redis),
});

await runtime.listen(adapter.app);
const grpc = await startGrpcServer({ host: config.GRPC_HOST, port: config.GRPC_PORT, logger, metrics, services: [adapter.grpcService], maxReceiveMessageBytes: config.MEDIA_MAX_BYTES + 64 * 1024, auth: fleetAuth.server });
await adapter.baileys.start();

runtime.ready({ grpcPort: grpc.port }, [
  { name: "baileys sessions", run: () => adapter.baileys.stop() },
  { name: "grpc", run: () => grpc.stop() },
]);
