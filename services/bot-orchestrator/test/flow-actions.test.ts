// The flows' actions as the engine runs them: through createFlowActions and the real call runner,
// against a fake CommerceService on the real gRPC wire, with events on real Redis (read back with
// XRANGE). The WhatsApp sender and the conversation control are the boundaries: recording fakes.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { AnalyticsEventSchema, STREAMS, decodeStreamEntry, type AnalyticsEvent } from "@fleet/contracts";
import { OrderStatus } from "@fleet/contracts/commerce";
import { AppError } from "@fleet/service-kit";
import { createTestRedis, memoryLogger, type TestRedis } from "@fleet/testing";
import { randomUUID } from "node:crypto";
import { createFlowActions, type ConversationControl } from "../src/flows/actions/registry.js";
import type { CallResult, OutboundContent } from "../src/flows/engine/effects.js";
import type { JsonValue } from "../src/flows/language/index.js";
import { createCallRunner } from "../src/flows/runtime/call-runner.js";
import { createEventsRepository } from "../src/repositories/events.repository.js";
import type { ReplySender, ReplyTarget } from "../src/use-cases/handle-inbound.use-case.js";
import { fakeCommerceForTests, fakeProduct, fakeSeller, type FakeShop, type HoursReply } from "./fake-commerce.js";

const BOT = "0b7f3f0e-8a43-4a8e-9a9e-1d2c3b4a5f60";
const CUSTOMER = "5215512345678";

const rig = fakeCommerceForTests();
let testRedis: TestRedis;

beforeAll(async () => {
  testRedis = await createTestRedis();
});

afterAll(async () => {
  await testRedis?.cleanup();
});

class RecordingSender implements ReplySender {
  readonly sent: { to: string; body: string; key: string }[] = [];
  /** Recipients whose messages fail, as the adapter fails them. */
  readonly failFor = new Set<string>();
  async send(target: ReplyTarget, content: OutboundContent, key: string) {
    if (this.failFor.has(target.recipient)) throw new AppError("unavailable", "PROVIDER_UNAVAILABLE", "the provider is down");
    this.sent.push({ to: target.recipient, body: content.type === "text" ? content.body : "", key });
    return { providerMessageId: `wamid.${this.sent.length}`, provider: "meta" };
  }
}

class FakeConversations implements ConversationControl {
  /** Contacts with a conversation, and the step it waits at. */
  readonly steps = new Map<string, string | null>();
  readonly pausedUntil = new Map<string, number>();
  readonly calls: { op: "pause" | "resume"; contact: string; until?: number; by: string }[] = [];
  async pause(_tenantId: string, _botId: string, contact: string, until: number, by: string) {
    this.calls.push({ op: "pause", contact, until, by });
    if (!this.steps.has(contact)) return false;
    this.pausedUntil.set(contact, until);
    return true;
  }
  async resume(_tenantId: string, _botId: string, contact: string, by: string) {
    this.calls.push({ op: "resume", contact, by });
    return this.pausedUntil.delete(contact);
  }
  async status(_tenantId: string, _botId: string, contact: string) {
    return { exists: this.steps.has(contact), step: this.steps.get(contact) ?? null, pausedUntil: this.pausedUntil.get(contact) ?? null };
  }
}

/** The actions and the real call runner for one test, with its own fakes. */
function setup(options: { now?: number } = {}) {
  const sender = new RecordingSender();
  const conversations = new FakeConversations();
  const { logger, lines } = memoryLogger("bot-orchestrator", "warn");
  const actions = createFlowActions({ commerce: rig.commerce, sender, events: createEventsRepository(testRedis.redis), conversations, logger, ...(options.now !== undefined ? { now: () => options.now ?? 0 } : {}) });
  const runner = createCallRunner({ actions, http: () => Promise.resolve({ ok: false, code: "host_not_allowed", message: "none" }), logger });
  let step = 0;
  /** Runs an action as a flow step would; `key` repeats a step of the same inbound entry (a redelivery). */
  const run = (shop: FakeShop, action: string, input: Record<string, JsonValue>, options: { contact?: string; key?: string } = {}) =>
    runner({ kind: "action", step: `s${++step}`, action, input, timeoutMs: 5_000 }, { tenantId: shop.tenantId, botId: BOT, contact: options.contact ?? CUSTOMER, idempotencyKey: options.key ?? `meta:wamid.${randomUUID()}:s${step}` });
  return { sender, conversations, lines, run };
}

/** The events of one tenant on the real stream, oldest first. */
async function eventsOf(tenantId: string): Promise<AnalyticsEvent[]> {
  const entries = await testRedis.redis.xrange(STREAMS.events, "-", "+");
  return entries.flatMap(([, fields]) => {
    const parsed = decodeStreamEntry(AnalyticsEventSchema, fields);
    return parsed.success && parsed.data.tenantId === tenantId ? [parsed.data] : [];
  });
}

/** The object an action answered; fails the test when it failed or answered something else. */
function valueOf(result: CallResult): { [key: string]: JsonValue } {
  if (result.ok && typeof result.value === "object" && result.value !== null && !Array.isArray(result.value)) return result.value;
  throw new Error(`expected an object, got ${JSON.stringify(result)}`);
}

/** The products of a catalogue.search answer. */
function productsOf(value: { [key: string]: JsonValue }): { [key: string]: JsonValue }[] {
  const products = value.products;
  if (!Array.isArray(products)) throw new Error("no products");
  return products.flatMap((p) => (typeof p === "object" && p !== null && !Array.isArray(p) ? [p] : []));
}

describe("customers.identify", () => {
  it("records a new customer and gives them a seller with a wa.me link", async () => {
    const lucia = fakeSeller({ name: "Lucía", phone: "+5215511112222" });
    const shop = rig.fake.shop({ sellers: [lucia] });
    const { run } = setup();
    const first = valueOf(await run(shop, "customers.identify", { name: "Ana López" }, { key: "meta:wamid.1:identify" }));
    expect(first).toEqual({
      customer: { id: expect.any(String), name: "Ana López", is_new: true },
      seller: { id: lucia.id, name: "Lucía", phone: "+5215511112222", wa_link: "https://wa.me/5215511112222" },
      seller_is_new: true,
    });
    expect(shop.calls.find((c) => c.method === "assignSeller")?.request).toMatchObject({ customerContact: CUSTOMER, customerName: "Ana López", reason: "welcome", idempotencyKey: "meta:wamid.1:identify:assign" });

    const again = valueOf(await run(shop, "customers.identify", {}));
    expect(again).toMatchObject({ customer: { name: "Ana López", is_new: false }, seller: { id: lucia.id }, seller_is_new: false });
  });

  it("answers seller null, not an error, when no seller can take the customer", async () => {
    const shop = rig.fake.shop({ sellers: [fakeSeller({ name: "Lucía", phone: "5215511112222", available: false })] });
    const { run } = setup();
    const result = valueOf(await run(shop, "customers.identify", { name: "Ana" }));
    expect(result).toMatchObject({ customer: { name: "Ana", is_new: true }, seller: null, seller_is_new: false });
  });
});

describe("sellers.alert", () => {
  it("messages the seller from the bot and notifies the dashboard, once per step of an entry", async () => {
    const lucia = fakeSeller({ name: "Lucía", phone: "+52 1 55 1111 2222" });
    const shop = rig.fake.shop({ sellers: [lucia] });
    const { run, sender } = setup();
    await run(shop, "customers.identify", { name: "Ana López" });
    const input = { reason: "problem", priority: "high", note: "El broche llegó roto", language: "es" };
    const result = valueOf(await run(shop, "sellers.alert", input, { key: "meta:wamid.9:alertar" }));
    expect(result).toMatchObject({ seller: { id: lucia.id, name: "Lucía", wa_link: "https://wa.me/5215511112222" }, whatsapp_sent: true });

    expect(sender.sent).toHaveLength(1);
    const [message] = sender.sent;
    expect(message).toMatchObject({ to: "5215511112222", key: "meta:wamid.9:alertar:alert" });
    expect(message?.body.split("\n")[0]).toBe("🚨 URGENTE");
    expect(message?.body).toContain("Ana López (+5215512345678)");
    expect(message?.body).toContain("Reporta un problema");
    expect(message?.body).toContain("El broche llegó roto");
    expect(message?.body).toContain("https://wa.me/5215512345678");

    const alerted = (await eventsOf(shop.tenantId)).filter((e) => e.type === "seller.alerted");
    expect(alerted).toHaveLength(1);
    expect(alerted[0]).toMatchObject({
      id: "meta:wamid.9:alertar:seller.alerted",
      botId: BOT,
      contact: CUSTOMER,
      attributes: { seller_id: lucia.id, seller_name: "Lucía", reason: "problem", priority: "high", note: "El broche llegó roto", whatsapp_sent: true },
    });

    // A redelivery of the same entry repeats the same keys: the adapter and the analytics dedupe on them.
    await run(shop, "sellers.alert", input, { key: "meta:wamid.9:alertar" });
    expect(sender.sent.map((s) => s.key)).toEqual(["meta:wamid.9:alertar:alert", "meta:wamid.9:alertar:alert"]);
    expect(new Set((await eventsOf(shop.tenantId)).filter((e) => e.type === "seller.alerted").map((e) => e.id))).toEqual(new Set(["meta:wamid.9:alertar:seller.alerted"]));
  });

  it("writes a normal alert in English without the urgent line", async () => {
    const shop = rig.fake.shop({ sellers: [fakeSeller({ name: "Sam", phone: "15550001111" })] });
    const { run, sender } = setup();
    valueOf(await run(shop, "sellers.alert", { reason: "catalogue_interest", language: "en" }));
    expect(sender.sent[0]?.body).not.toContain("URGENT");
    expect(sender.sent[0]?.body).toContain("Interested in the catalogue");
    expect(shop.calls.find((c) => c.method === "assignSeller")?.request).toMatchObject({ reason: "catalogue interest" });
  });

  it("fails with no_seller_available, messaging nobody, when no seller can take the customer", async () => {
    const shop = rig.fake.shop({ sellers: [fakeSeller({ name: "Lucía", phone: "5215511112222", available: false })] });
    const { run, sender } = setup();
    const result = await run(shop, "sellers.alert", { reason: "adviser", language: "es" });
    expect(result).toMatchObject({ ok: false, code: "no_seller_available" });
    expect(sender.sent).toEqual([]);
    expect(await eventsOf(shop.tenantId)).toEqual([]);
  });

  it("still notifies the dashboard, and succeeds, when the WhatsApp to the seller fails", async () => {
    const shop = rig.fake.shop({ sellers: [fakeSeller({ name: "Lucía", phone: "5215511112222" })] });
    const { run, sender, lines } = setup();
    sender.failFor.add("5215511112222");
    const result = valueOf(await run(shop, "sellers.alert", { reason: "order", priority: "high", language: "es" }));
    expect(result).toMatchObject({ seller: { name: "Lucía" }, whatsapp_sent: false });
    const alerted = (await eventsOf(shop.tenantId)).filter((e) => e.type === "seller.alerted");
    expect(alerted.map((e) => e.attributes)).toEqual([expect.objectContaining({ seller_name: "Lucía", reason: "order", whatsapp_sent: false })]);
    expect(lines).toContainEqual(expect.objectContaining({ level: "warn", message: "seller alert not sent on WhatsApp", code: "PROVIDER_UNAVAILABLE" }));
  });
});

describe("sellers.release", () => {
  it("ends the assignment and records the attended hand-off", async () => {
    const shop = rig.fake.shop({ sellers: [fakeSeller({ name: "Lucía", phone: "5215511112222" })] });
    const { run } = setup();
    await run(shop, "customers.identify", {});
    expect(valueOf(await run(shop, "sellers.release", { reason: "adviser" }))).toEqual({ released: true });
    expect(shop.assignments.has(CUSTOMER)).toBe(false);
    expect(valueOf(await run(shop, "sellers.release", {}))).toEqual({ released: false });
    const attended = (await eventsOf(shop.tenantId)).filter((e) => e.type === "handoff.attended");
    expect(attended.map((e) => e.attributes)).toEqual([
      { reason: "adviser", released: true },
      { reason: null, released: false },
    ]);
  });
});

describe("sellers.escalate", () => {
  it("goes to the supervisors on duty, never to the customer's own seller", async () => {
    const own = fakeSeller({ name: "Lucía", phone: "5215511110001", supervisor: true });
    const marta = fakeSeller({ name: "Marta", phone: "5215511110002", supervisor: true, available: false });
    const pedro = fakeSeller({ name: "Pedro", phone: "5215511110003", available: false });
    const sara = fakeSeller({ name: "Sara", phone: "5215511110004", supervisor: true, available: false });
    const shop = rig.fake.shop({ sellers: [own, marta, pedro, sara] });
    const { run, sender } = setup();
    await run(shop, "customers.identify", { name: "Ana" });
    expect(shop.assignments.get(CUSTOMER)).toBe(own.id);

    const result = valueOf(await run(shop, "sellers.escalate", { reason: "problem", note: "Nadie me contesta", language: "es" }, { key: "timer:t1:escalar" }));
    expect(result).toMatchObject({ supervisors: ["Marta", "Sara"], count: 2, messaged: 2 });
    expect(sender.sent.map((s) => s.to).sort()).toEqual(["5215511110002", "5215511110004"]);
    expect(sender.sent.every((s) => s.body.startsWith("🚨 URGENTE\n⚠️ *Cliente sin atender*"))).toBe(true);

    const events = await eventsOf(shop.tenantId);
    expect(events.filter((e) => e.type === "handoff.escalated").map((e) => e.attributes)).toEqual([expect.objectContaining({ reason: "problem", supervisors: 2, supervisor_names: "Marta, Sara" })]);
    expect(events.filter((e) => e.type === "seller.alerted").map((e) => e.attributes.seller_name).sort()).toEqual(["Marta", "Sara"]);
  });

  it("fails with no_supervisor when the only supervisor on duty is the customer's own seller", async () => {
    const own = fakeSeller({ name: "Lucía", phone: "5215511110001", supervisor: true });
    const shop = rig.fake.shop({ sellers: [own, fakeSeller({ name: "Pedro", phone: "5215511110003" })] });
    const { run, sender } = setup();
    await run(shop, "customers.identify", {});
    expect(await run(shop, "sellers.escalate", { reason: "adviser", language: "en" })).toMatchObject({ ok: false, code: "no_supervisor" });
    expect(sender.sent).toEqual([]);
  });
});

describe("catalogue", () => {
  it("numbers the products found, with prices in the product's currency and the first https image", async () => {
    const ring = fakeProduct({ name: "Anillo de oro 14k", priceMinor: 245_000, stock: 4, imageUrls: ["http://insecure.example/a.jpg", "https://cdn.example.com/anillo.jpg"] });
    const sized = fakeProduct({ name: "Anillo de plata", priceMinor: 89_950, stock: 0, variantStocks: [0, 2] });
    const soldOut = fakeProduct({ name: "Anillo de perla", priceMinor: null, stock: 0 });
    const shop = rig.fake.shop({ products: [ring, sized, soldOut] });
    const { run } = setup();
    const result = valueOf(await run(shop, "catalogue.search", { query: "anillo", limit: 3, language: "es" }));
    expect(result.count).toBe(3);
    expect(result.products).toEqual([
      expect.objectContaining({ n: 1, id: ring.id, name: "Anillo de oro 14k", price_text: "$2,450.00", image: "https://cdn.example.com/anillo.jpg", in_stock: true, stock: 4 }),
      expect.objectContaining({ n: 2, id: sized.id, price_text: "$899.50", image: "", in_stock: true, stock: 2 }),
      expect.objectContaining({ n: 3, id: soldOut.id, price_text: "Precio a consultar", in_stock: false, stock: 0 }),
    ]);
    expect(result.top).toEqual(productsOf(result)[0]);
    expect(valueOf(await run(shop, "catalogue.search", { query: "reloj", language: "es" }))).toEqual({ count: 0, products: [], top: null });
  });

  it("writes money with each currency's decimals in the language's locale", async () => {
    const shop = rig.fake.shop({
      products: [
        fakeProduct({ name: "Pulsera mxn", currency: "MXN", priceMinor: 123_456 }),
        fakeProduct({ name: "Pulsera usd", currency: "USD", priceMinor: 4_999 }),
        fakeProduct({ name: "Pulsera clp", currency: "CLP", priceMinor: 15_000 }),
        fakeProduct({ name: "Pulsera jpy", currency: "JPY", priceMinor: 3_500 }),
      ],
    });
    const { run } = setup();
    const prices = async (language: string) => productsOf(valueOf(await run(shop, "catalogue.search", { query: "pulsera", limit: 5, language }))).map((p) => p.price_text);
    expect(await prices("es")).toEqual(["$1,234.56", "USD\u00a049.99", "CLP\u00a015,000", "JPY\u00a03,500"]);
    expect(await prices("en")).toEqual(["MX$1,234.56", "$49.99", "CLP\u00a015,000", "¥3,500"]);
  });

  it("chooses a product by its number however it was typed, and refuses other numbers", async () => {
    const products = [
      { n: 1, id: "a", name: "Anillo" },
      { n: 2, id: "b", name: "Cadena" },
    ];
    const { run } = setup();
    const shop = rig.fake.shop();
    for (const choice of ["2", 2, "2️⃣", " 2 "]) expect(valueOf(await run(shop, "catalogue.choose", { products, choice }))).toEqual({ n: 2, id: "b", name: "Cadena" });
    for (const choice of ["3", 0, "dos", "1.5"]) expect(await run(shop, "catalogue.choose", { products, choice })).toMatchObject({ ok: false, code: "choice_invalid" });
  });
});

describe("orders", () => {
  it("creates the order once per step of an entry and says its total and status", async () => {
    const ring = fakeProduct({ name: "Anillo de oro", priceMinor: 245_000, stock: 3 });
    const shop = rig.fake.shop({ products: [ring] });
    const { run } = setup();
    const input = { product_id: ring.id, quantity: "2", delivery: "delivery", address: "Av. Reforma 1", language: "es" };
    const created = valueOf(await run(shop, "orders.create", input, { key: "meta:wamid.5:pedido" }));
    expect(created).toMatchObject({ number: expect.any(String), total_text: "$4,900.00", status_label: "Pendiente", quantity: 2 });
    const replay = valueOf(await run(shop, "orders.create", input, { key: "meta:wamid.5:pedido" }));
    expect(replay.number).toBe(created.number);
    expect(shop.orders).toHaveLength(1);
    expect(ring.stock).toBe(1);
    expect(shop.calls.find((c) => c.method === "createOrder")?.request).toMatchObject({ botId: BOT, customerContact: CUSTOMER, customerName: "", deliveryAddress: "Av. Reforma 1", idempotencyKey: "meta:wamid.5:pedido:order" });
  });

  it("fails with out_of_stock when there is not enough", async () => {
    const ring = fakeProduct({ name: "Anillo de oro", stock: 1 });
    const shop = rig.fake.shop({ products: [ring] });
    const { run } = setup();
    expect(await run(shop, "orders.create", { product_id: ring.id, quantity: 2, delivery: "pickup", language: "es" })).toMatchObject({ ok: false, code: "out_of_stock" });
    expect(ring.stock).toBe(1);
  });

  it("refuses a quantity that is not a whole number from 1 to 100, without calling the gateway", async () => {
    const ring = fakeProduct({ name: "Anillo", stock: 500 });
    const shop = rig.fake.shop({ products: [ring] });
    const { run } = setup();
    for (const quantity of ["0", "101", "dos", 1.5, "-1"]) {
      expect(await run(shop, "orders.create", { product_id: ring.id, quantity, delivery: "pickup", language: "en" })).toMatchObject({ ok: false, code: "quantity_invalid" });
    }
    expect(shop.calls.filter((c) => c.method === "createOrder")).toEqual([]);
  });

  it("lists the customer's latest orders with their status in the language and the shop's date", async () => {
    const shop = rig.fake.shop();
    const mine = { contact: CUSTOMER, productId: randomUUID(), quantity: 1, currency: "MXN", key: "k" };
    // 03:00 UTC on the 24th is still the evening of the 23rd in Mexico City.
    shop.orders.push({ ...mine, id: randomUUID(), number: "1041", totalMinor: 150_000, status: OrderStatus.ON_THE_WAY, createdAt: Date.parse("2026-11-24T03:00:00Z") });
    shop.orders.push({ ...mine, id: randomUUID(), number: "1042", totalMinor: 99_900, status: OrderStatus.IN_PROCESS, createdAt: Date.parse("2026-11-25T18:00:00Z") });
    shop.orders.push({ ...mine, contact: "5215599999999", id: randomUUID(), number: "1043", totalMinor: 1, status: OrderStatus.PENDING, createdAt: Date.parse("2026-11-26T18:00:00Z") });
    shop.hours = { ...shop.hours, timeZone: "America/Mexico_City" };
    const { run } = setup();
    expect(valueOf(await run(shop, "orders.list_mine", { language: "es" }))).toEqual({
      count: 2,
      orders: [
        { number: "1042", status_label: "En preparación", total_text: "$999.00", date: "2026-11-25" },
        { number: "1041", status_label: "En camino", total_text: "$1,500.00", date: "2026-11-23" },
      ],
    });
    const english = valueOf(await run(shop, "orders.list_mine", { limit: 1, language: "en" }));
    expect(english).toEqual({ count: 1, orders: [{ number: "1042", status_label: "In process", total_text: "MX$999.00", date: "2026-11-25" }] });
  });
});

describe("shop.hours", () => {
  const week = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, ranges: [{ open: "09:00", close: "19:00" }] }));
  const days = [...week, { weekday: 6, ranges: [{ open: "16:00", close: "18:00" }, { open: "10:00", close: "14:00" }] }];
  const at = (iso: string) => ({ seconds: BigInt(Date.parse(iso) / 1000), nanos: 0 });
  const hours = (openNow: boolean, next: string | null): HoursReply => ({ timeZone: "America/Mexico_City", days, openNow, nextChangeTime: next ? at(next) : undefined, language: "es", currency: "MXN", shopName: "Joyería Ana", catalogueUrl: "" });

  async function summary(reply: HoursReply, now: string, language: "es" | "en") {
    const shop = rig.fake.shop({ hours: reply });
    const { run } = setup({ now: Date.parse(now) });
    return valueOf(await run(shop, "shop.hours", { language }));
  }

  it("says until when it is open, on the shop's clock", async () => {
    // Monday 10:00 in Mexico City; closes at 19:00 local.
    const es = await summary(hours(true, "2026-11-24T01:00:00Z"), "2026-11-23T16:00:00Z", "es");
    expect(es).toMatchObject({ open_now: true, summary: "Estamos abiertos ahora; cerramos hoy a las 19:00." });
    const en = await summary(hours(true, "2026-11-24T01:00:00Z"), "2026-11-23T16:00:00Z", "en");
    expect(en.summary).toBe("We are open now; we close today at 19:00.");
  });

  it("says it opens tomorrow when closed for the night", async () => {
    // Monday 20:00 local; opens Tuesday 9:00.
    expect((await summary(hours(false, "2026-11-24T15:00:00Z"), "2026-11-24T02:00:00Z", "es")).summary).toBe("Ahora estamos cerrados. Abrimos mañana a las 9:00.");
    expect((await summary(hours(false, "2026-11-24T15:00:00Z"), "2026-11-24T02:00:00Z", "en")).summary).toBe("We are closed now. We open tomorrow at 9:00.");
  });

  it("names the weekday when it opens later than tomorrow", async () => {
    // Saturday 19:00 local, closed on Sunday: opens Monday 9:00.
    expect((await summary(hours(false, "2026-11-30T15:00:00Z"), "2026-11-29T01:00:00Z", "es")).summary).toBe("Ahora estamos cerrados. Abrimos el lunes a las 9:00.");
    expect((await summary(hours(false, "2026-11-30T15:00:00Z"), "2026-11-29T01:00:00Z", "en")).summary).toBe("We are closed now. We open on Monday at 9:00.");
  });

  it("says a closing at midnight as midnight, and handles always open and no hours", async () => {
    expect((await summary(hours(true, "2026-11-24T06:00:00Z"), "2026-11-23T16:00:00Z", "es")).summary).toBe("Estamos abiertos ahora; cerramos hoy a medianoche.");
    expect((await summary(hours(true, null), "2026-11-23T16:00:00Z", "es")).summary).toBe("Estamos abiertos todo el tiempo.");
    expect((await summary(hours(false, null), "2026-11-23T16:00:00Z", "en")).summary).toBe("We have no opening hours set up.");
  });

  it("writes the week's schedule one line per day from Monday", async () => {
    const es = await summary(hours(false, null), "2026-11-23T16:00:00Z", "es");
    expect(es.schedule).toBe(["Lunes: 9:00–19:00", "Martes: 9:00–19:00", "Miércoles: 9:00–19:00", "Jueves: 9:00–19:00", "Viernes: 9:00–19:00", "Sábado: 10:00–14:00, 16:00–18:00", "Domingo: cerrado"].join("\n"));
    const en = await summary(hours(false, null), "2026-11-23T16:00:00Z", "en");
    expect(String(en.schedule).split("\n")).toEqual(["Monday: 9:00–19:00", "Tuesday: 9:00–19:00", "Wednesday: 9:00–19:00", "Thursday: 9:00–19:00", "Friday: 9:00–19:00", "Saturday: 10:00–14:00, 16:00–18:00", "Sunday: closed"]);
  });
});

describe("shop.info", () => {
  it("gives the shop's name and whether its catalogue is a document", async () => {
    const { run } = setup();
    const base = rig.fake.shop().hours;
    const pdf = rig.fake.shop({ hours: { ...base, shopName: "Joyería Ana", catalogueUrl: "https://cdn.example.com/Catalogo-2026.PDF" } });
    expect(valueOf(await run(pdf, "shop.info", {}))).toEqual({ name: "Joyería Ana", catalogue_url: "https://cdn.example.com/Catalogo-2026.PDF", has_catalogue: true, catalogue_is_document: true });
    const page = rig.fake.shop({ hours: { ...base, shopName: "Joyería Ana", catalogueUrl: "https://shop.example.com/catalogo?pdf=1" } });
    expect(valueOf(await run(page, "shop.info", {}))).toMatchObject({ has_catalogue: true, catalogue_is_document: false });
    const none = rig.fake.shop({ hours: { ...base, catalogueUrl: "" } });
    expect(valueOf(await run(none, "shop.info", {}))).toMatchObject({ catalogue_url: "", has_catalogue: false, catalogue_is_document: false });
  });
});

describe("staff.command", () => {
  const STAFF = "5215511112222";
  const staffShop = () => rig.fake.shop({ sellers: [fakeSeller({ name: "Lucía", phone: `+${STAFF}` })] });
  const NOW = Date.parse("2026-11-23T16:00:00Z"); // 10:00 in Mexico City

  it("answers not_staff to anyone who is not a seller, and pauses nothing", async () => {
    const shop = staffShop();
    const { run, conversations } = setup({ now: NOW });
    conversations.steps.set(CUSTOMER, "menu");
    expect(await run(shop, "staff.command", { text: `pausar ${CUSTOMER}`, language: "es" }, { contact: "5215500000000" })).toMatchObject({ ok: false, code: "not_staff" });
    expect(conversations.calls).toEqual([]);
  });

  it("pauses, reports and resumes the bot for a customer", async () => {
    const shop = staffShop();
    const { run, conversations } = setup({ now: NOW });
    conversations.steps.set(CUSTOMER, "ask_size");
    const staff = { contact: STAFF };

    const paused = valueOf(await run(shop, "staff.command", { text: "Pausar +52 1 55 1234 5678 30 min", language: "es" }, staff));
    expect(paused).toMatchObject({ reply: "⏸️ Bot en pausa para +5215512345678 durante 30 min.", command: "pause", number: CUSTOMER, done: true });
    expect(conversations.calls).toEqual([{ op: "pause", contact: CUSTOMER, until: NOW + 30 * 60_000, by: "staff:Lucía" }]);

    const status = valueOf(await run(shop, "staff.command", { text: `estado ${CUSTOMER}`, language: "es" }, staff));
    expect(status.reply).toBe("⏸️ +5215512345678: bot en pausa hasta hoy a las 10:30.");

    const resumed = valueOf(await run(shop, "staff.command", { text: `REANUDAR ${CUSTOMER}`, language: "es" }, staff));
    expect(resumed).toMatchObject({ reply: "▶️ Bot reanudado para +5215512345678.", done: true });
    expect(valueOf(await run(shop, "staff.command", { text: `resume ${CUSTOMER}`, language: "en" }, staff)).reply).toBe("ℹ️ The bot was not paused for +5215512345678.");

    expect(valueOf(await run(shop, "staff.command", { text: `status +${CUSTOMER}`, language: "en" }, staff)).reply).toBe("💬 +5215512345678: active conversation, waiting at step “ask_size”.");
    expect(valueOf(await run(shop, "staff.command", { text: "estado 5215599990000", language: "es" }, staff)).reply).toBe("ℹ️ +5215599990000 no tiene una conversación con el bot.");
  });

  it("pauses for 60 minutes by default and takes minutes after a number written in one piece", async () => {
    const shop = staffShop();
    const { run, conversations } = setup({ now: NOW });
    conversations.steps.set(CUSTOMER, null);
    expect(valueOf(await run(shop, "staff.command", { text: `pause ${CUSTOMER}`, language: "en" }, { contact: STAFF })).reply).toBe("⏸️ Bot paused for +5215512345678 for 60 min.");
    expect(valueOf(await run(shop, "staff.command", { text: `pausar ${CUSTOMER} 120`, language: "es" }, { contact: STAFF })).reply).toBe("⏸️ Bot en pausa para +5215512345678 durante 120 min.");
    expect(conversations.calls.map((c) => c.until)).toEqual([NOW + 60 * 60_000, NOW + 120 * 60_000]);
  });

  it("answers with the usage for a bad number, bad minutes or an unknown command, and never pauses the staff member's own number", async () => {
    const shop = staffShop();
    const { run, conversations } = setup({ now: NOW });
    conversations.steps.set(STAFF, "menu");
    const reply = async (text: string, language: "es" | "en" = "es") => valueOf(await run(shop, "staff.command", { text, language }, { contact: STAFF })).reply;
    expect(await reply("pausar 12345")).toBe("Número no válido (7 a 15 dígitos). Comandos: pausar <número> [minutos] · reanudar <número> · estado <número>");
    expect(await reply("estado")).toMatch(/^Número no válido/);
    expect(await reply(`pausar ${CUSTOMER} 20000`)).toMatch(/^Minutos no válidos/);
    expect(await reply("hola", "en")).toBe("Commands: pause <number> [minutes] · resume <number> · status <number>");
    expect(await reply(`pausar +${STAFF}`)).toBe("No puedes pausar tu propio número.");
    expect(conversations.calls).toEqual([]);
  });
});
