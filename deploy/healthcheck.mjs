// Container health probe (the image's HEALTHCHECK and compose's healthchecks): GET /health on
// this service's HTTP port with Node's own fetch, since slim images have no curl. Healthy only on
// 2xx: a 503 "degraded" answer (a dependency is down) keeps dependants such as nginx waiting.
// The fallback ports mirror the HTTP_PORT defaults in services/<name>/src/config.ts.
const DEFAULT_PORTS = { gateway: 3000, "whatsapp-adapter": 3001, "bot-orchestrator": 3002, "analytics-worker": 3003 };

const port = process.env.HTTP_PORT || DEFAULT_PORTS[process.env.FLEET_SERVICE ?? ""];
if (!port) {
  console.error("healthcheck: set HTTP_PORT (or FLEET_SERVICE to one of the fleet's services)");
  process.exit(1);
}

try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) });
  if (!response.ok) console.error(`healthcheck: /health answered ${response.status}`);
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  console.error(`healthcheck: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
