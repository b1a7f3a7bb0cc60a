// A bot with a primary provider (Meta, on its fake) and a fallback (a
// 360dialog-style BSP, on its fake), through the real composition and gRPC:
// retries with backoff, then the fallback sends; after BREAKER_FAILURES
// failures the primary's circuit opens (no calls), half-opens after
// BREAKER_HALF_OPEN_AFTER_MS and closes on a success; a rejected message never
// goes to the fallback. The breaker's state is a metric.
import { AnalyticsEventSchema, STREAMS, decodeStreamEntry } from "@fleet/contracts";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import request from "supertest";
import { ProviderKind } from "@fleet/contracts/adapter";
import { createD360Sandbox, silentLogger, type D360Sandbox } from "@fleet/provider-sandbox";
import { listen, type Listening } from "@fleet/testing";
import { newTenant, rejectionOf, startAdapterHarness, type AdapterHarness } from "./harness.js";

const META = Array.from({ length: 4 }, (_, i) => String(410000000000100 + i));
const BSP = Array.from({ length: 4 }, (_, i) => String(410000000000200 + i));
const KEYS = BSP.map(() => randomBytes(12).toString("hex"));
const HALF_OPEN_AFTER_MS = 600;

let h: AdapterHarness;
let bsp: D360Sandbox;
let bspServer: Listening;

beforeAll(async () => {
  bsp = createD360Sandbox({ apiKeys: Object.fromEntries(KEYS.map((key, i) => [key, BSP[i] ?? ""])), statusCallbacks: false, logger: silentLogger });
  bspServer = await listen(bsp.app);
  h = await startAdapterHarness({
    phoneNumberIds: META,
    config: { OFFICIAL_BASE_URL: bspServer.url, BREAKER_FAILURES: "3", BREAKER_HALF_OPEN_AFTER_MS: String(HALF_OPEN_AFTER_MS) },
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([h?.close(), bspServer?.close()]);
});

let seq = 0;
async function botWithFallback() {
  const n = seq++;
  const tenantId = newTenant();
  const response = await h.client.configureBot({
    tenantId,
    displayName: "Shop with a fallback",
    providers: [
      { kind: ProviderKind.META, settings: { phone_number_id: META[n] ?? "" }, secrets: { access_token: h.accessToken } },
      { kind: ProviderKind.OFFICIAL, settings: { phone_number_id: BSP[n] ?? "" }, secrets: { api_key: KEYS[n] ?? "" } },
    ],
  });
  const botId = response.bot?.id ?? "";
  const send = (to: string) =>
    h.client.sendMessage({ tenantId, botId, recipient: to, content: { kind: { case: "text", value: { body: "Hola", previewUrl: false } } }, idempotencyKey: randomBytes(8).toString("hex") });
  return { n, send };
}

async function metric(name: string, labels: string): Promise<number> {
  const text = (await request(h.app).get("/metrics")).text;
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && labels.split(",").every((label) => l.includes(label)));
  return line ? Number(line.split(" ").pop()) : 0;
}

const metaCalls = (n: number, to: string) => h.sandbox.store.list({ phoneNumberId: META[n], to }).length;
const bspSends = (n: number, to: string) => bsp.store.sent({ phoneNumberId: BSP[n], to }).length;

describe("fallback and circuit breaker", () => {
  it("retries the primary's 5xx (with backoff between tries), then the fallback sends, and counts the primary's error", async () => {
    const { n, send } = await botWithFallback();
    const to = "5215512340001";
    h.sandbox.faults.add({ phoneNumberId: META[n], to, code: 131000, count: 10 });
    const errorsBefore = await metric("whatsapp_errors_total", 'provider="meta",code="PROVIDER_UNAVAILABLE"');

    const result = await send(to);

    expect(result.provider).toBe(ProviderKind.OFFICIAL);
    expect(metaCalls(n, to)).toBe(3);
    expect(bspSends(n, to)).toBe(1);
    expect(await metric("whatsapp_errors_total", 'provider="meta",code="PROVIDER_UNAVAILABLE"')).toBe(errorsBefore + 1);
    expect(await metric("whatsapp_messages_sent_total", 'provider="official"')).toBeGreaterThanOrEqual(1);
    // The shop's analytics and live feed hear of the primary's failure.
    const events = (await h.redis.xrange(STREAMS.events, "-", "+")).map(([, fields]) => decodeStreamEntry(AnalyticsEventSchema, fields)).flatMap((d) => (d.success ? [d.data] : []));
    expect(events.filter((event) => event.type === "provider.error" && event.contact === to)).toEqual([
      expect.objectContaining({ source: "whatsapp-adapter", attributes: { provider: "meta", code: "PROVIDER_UNAVAILABLE", maybe_sent: false } }),
    ]);
  });

  it("opens the primary's circuit after BREAKER_FAILURES failures (no more calls to it), half-opens after the wait, and closes on a success", async () => {
    const { n, send } = await botWithFallback();
    const to = "5215512340002";
    h.sandbox.faults.add({ phoneNumberId: META[n], to, code: 131000, count: 3 });
    const openBefore = await metric("adapter_provider_circuits_open", 'provider="meta"');

    expect((await send(to)).provider).toBe(ProviderKind.OFFICIAL);
    expect(metaCalls(n, to)).toBe(3);
    expect(await metric("adapter_provider_circuits_open", 'provider="meta"')).toBe(openBefore + 1);

    // Open: the primary is skipped without a call.
    expect((await send(to)).provider).toBe(ProviderKind.OFFICIAL);
    expect(metaCalls(n, to)).toBe(3);
    expect(await metric("whatsapp_errors_total", 'provider="meta",code="PROVIDER_CIRCUIT_OPEN"')).toBeGreaterThanOrEqual(1);

    // Half-open after the wait: one call goes through, succeeds (the faults are used up), and closes the circuit.
    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_AFTER_MS + 100));
    expect((await send(to)).provider).toBe(ProviderKind.META);
    expect(metaCalls(n, to)).toBe(4);
    expect(await metric("adapter_provider_circuits_open", 'provider="meta"')).toBe(openBefore);
    expect(bspSends(n, to)).toBe(2);
  });

  it("does not fall back for a message the primary rejects (invalid recipient): the fallback would reject it too", async () => {
    const { n, send } = await botWithFallback();
    const to = "5215512340003";
    h.sandbox.faults.add({ phoneNumberId: META[n], to, code: 131026, count: 1 });

    const rejection = await rejectionOf(send(to));

    expect(rejection.code).toBe("RECIPIENT_INVALID");
    expect(metaCalls(n, to)).toBe(1);
    expect(bspSends(n, to)).toBe(0);
  });
});
