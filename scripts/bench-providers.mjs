#!/usr/bin/env node
// Provider benchmark (a script, not a test): SendMessage through the adapter
// process (gRPC, the real composition) to each provider's local fake, at a
// fixed concurrency. Prints per provider the sends per second, latency
// percentiles and the adapter's CPU per send; then the fallback switch: a bot
// whose primary (Meta) starts answering 5xx, how long its sends take while
// the primary is retried, and once its circuit is open.
//
//   node scripts/bench-providers.mjs [--count 2000] [--concurrency 32]
//
// Needs a build (pnpm build) and local Postgres/Redis (./scripts/test.sh sets them up).
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { AdapterService, ProviderKind } from "@fleet/contracts/adapter";
import { asGateway, startFleet } from "@fleet/e2e";
import { createServiceClient } from "@fleet/grpc-bridge";
import { createD360Sandbox, createEvolutionSandbox, createTwilioSandbox, silentLogger } from "@fleet/provider-sandbox";
import { listen } from "@fleet/testing";

const { values } = parseArgs({ options: { count: { type: "string", default: "2000" }, concurrency: { type: "string", default: "32" } } });
const count = Number(values.count);
const concurrency = Number(values.concurrency);

/** User + system CPU seconds of a process (clock ticks of 1/100 s). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

// The fakes, in this process, without status callbacks (they would go nowhere).
const d360Key = randomBytes(12).toString("hex");
const d360FallbackKey = randomBytes(12).toString("hex");
const d360 = createD360Sandbox({ apiKeys: { [d360Key]: "500000000000001", [d360FallbackKey]: "500000000000002" }, ratePerSecond: 100_000, statusCallbacks: false, logger: silentLogger });
const twilioSid = `AC${randomBytes(16).toString("hex")}`;
const twilioToken = randomBytes(16).toString("hex");
const twilio = createTwilioSandbox({ accounts: { [twilioSid]: twilioToken }, numbers: ["+15550009999"], statusCallbacks: false, enforceSessionWindow: false, ratePerSecond: 100_000, logger: silentLogger });
const evolutionKey = randomBytes(16).toString("hex");
const evolution = createEvolutionSandbox({ globalApiKey: evolutionKey, messageStatuses: [], logger: silentLogger });
const [d360Server, twilioServer, evolutionServer] = await Promise.all([listen(d360.app), listen(twilio.app), listen(evolution.app)]);

const fleet = await startFleet({
  ratePerSecond: 1000,
  // A second Meta bot (its own number and token) becomes the fallback bot below.
  bots: [{ ratePerSecond: 1000, ownTenant: true }],
  env: {
    "whatsapp-adapter": {
      OFFICIAL_BASE_URL: d360Server.url,
      TWILIO_API_BASE_URL: twilioServer.url,
      EVOLUTION_ALLOWED_HOSTS: "127.0.0.1",
      PROVIDER_ALLOW_HTTP: "true",
      BREAKER_FAILURES: "3",
      BREAKER_HALF_OPEN_AFTER_MS: "60000",
      // Webhooks the fakes would post (Evolution's connection events) go nowhere instead of to whatever listens on 8080.
      PUBLIC_BASE_URL: "http://127.0.0.1:1",
    },
  },
});
const adapterProcess = fleet.services["whatsapp-adapter"];
const client = createServiceClient(AdapterService, adapterProcess.grpcAddress, { defaultDeadlineMs: 30_000, auth: asGateway("whatsapp-adapter") });

try {
  const tenantId = randomUUID();
  const fast = { messages_per_second: "1000" };
  const configure = async (name, providers) => (await client.configureBot({ tenantId, displayName: name, providers })).bot.id;
  const bots = {
    meta: { tenantId: fleet.tenantId, botId: fleet.botId },
    official: { tenantId, botId: await configure("official", [{ kind: ProviderKind.OFFICIAL, settings: { phone_number_id: "500000000000001", ...fast }, secrets: { api_key: d360Key } }]) },
    twilio: {
      tenantId,
      botId: await configure("twilio", [{ kind: ProviderKind.TWILIO, settings: { account_sid: twilioSid, from_number: "+15550009999", ...fast }, secrets: { auth_token: twilioToken } }]),
    },
    evolution: {
      tenantId,
      botId: await configure("evolution", [{ kind: ProviderKind.EVOLUTION, settings: { base_url: evolutionServer.url, instance: "bench", ...fast }, secrets: { api_key: evolutionKey } }]),
    },
  };
  evolution.instances.link("bench");

  async function run(bot, n) {
    const latencies = [];
    let failed = 0;
    let next = 0;
    const cpuBefore = cpuSeconds(adapterProcess.child.pid);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          const i = next++;
          const at = performance.now();
          try {
            await client.sendMessage({
              ...bot,
              recipient: String(34600000000 + (i % 500)),
              content: { kind: { case: "text", value: { body: `Mensaje ${i}`, previewUrl: false } } },
              idempotencyKey: randomUUID(),
            });
            latencies.push(performance.now() - at);
          } catch {
            failed++;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuMs = (cpuSeconds(adapterProcess.child.pid) - cpuBefore) * 1000;
    latencies.sort((a, b) => a - b);
    return { rate: latencies.length / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), failed, cpuPerSend: cpuMs / n };
  }

  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown"}), node ${process.version}; ${count} sends per provider, concurrency ${concurrency}`);
  for (const [name, bot] of Object.entries(bots)) {
    await run(bot, Math.min(200, count)); // warm-up
    const r = await run(bot, count);
    console.log(
      `${name.padEnd(10)} ${r.rate.toFixed(0).padStart(6)} sends/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  adapter CPU ${r.cpuPerSend.toFixed(2)} ms/send  failed ${r.failed}`,
    );
  }

  // Fallback switch: the second bot's Meta number starts failing every send with 131000 (a Graph 500);
  // 360dialog is its fallback. The update keeps the stored Meta token (secrets are write-only).
  const second = fleet.bots[1];
  await client.configureBot({
    tenantId: second.tenantId,
    botId: second.botId,
    displayName: "fallback",
    providers: [
      { kind: ProviderKind.META, settings: { phone_number_id: second.phoneNumberId, ...fast }, secrets: {} },
      { kind: ProviderKind.OFFICIAL, settings: { phone_number_id: "500000000000002", ...fast }, secrets: { api_key: d360FallbackKey } },
    ],
  });
  fleet.sandbox.faults.add({ phoneNumberId: second.phoneNumberId, code: 131000, count: 1_000_000 });
  const switches = [];
  for (let i = 0; i < 40; i++) {
    const at = performance.now();
    const sent = await client.sendMessage({
      tenantId: second.tenantId,
      botId: second.botId,
      recipient: "34600999000",
      content: { kind: { case: "text", value: { body: `Fallback ${i}`, previewUrl: false } } },
      idempotencyKey: randomUUID(),
    });
    switches.push({ ms: performance.now() - at, provider: sent.provider });
  }
  const open = switches.slice(1).map((s) => s.ms).sort((a, b) => a - b);
  const through = (s) => (s.provider === ProviderKind.OFFICIAL ? "360dialog" : String(s.provider));
  console.log(
    `fallback   primary failing: first send ${switches[0].ms.toFixed(0)} ms (3 tries with backoff, then the fallback; sent via ${through(switches[0])}); ` +
      `circuit open: next ${open.length} sends p50 ${percentile(open, 0.5).toFixed(1)} ms, p99 ${percentile(open, 0.99).toFixed(1)} ms (primary skipped; all via ${[...new Set(switches.slice(1).map(through))].join(", ")})`,
  );
} finally {
  client.close();
  await fleet.stop();
  await Promise.all([d360Server.close(), twilioServer.close(), evolutionServer.close()]);
  await evolution.settled();
}
