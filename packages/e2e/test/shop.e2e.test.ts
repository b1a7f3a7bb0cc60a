// The shop's conversations end to end: two shops (Spanish and English) open through the public API
// and get the default flows at sign-up; their customers walk every path as real conversations —
// signed webhooks through nginx → adapter → two orchestrator replicas running the flows, whose
// actions reach the gateway's commerce over gRPC → adapter → sandbox. Timers are shortened by
// configuration (FLOW_TIMER_SCALE: a 15-minute follow-up comes after 9 s); the follow-ups fire once,
// also when every orchestrator is killed with SIGKILL during the wait.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { STREAMS } from "@fleet/contracts";
import { ShopCustomer, eventually, openShop, sentTo, startFleet, type Fleet, type Shop } from "../src/index.js";

const TIMER_SCALE = 0.01;
/** The adviser's and the problem's 15-minute hand-off, and the catalogue's 20-minute follow-up, as they run here. */
const HANDOFF_MS = 900 * 1000 * TIMER_SCALE;
const FOLLOW_UP_MS = 1200 * 1000 * TIMER_SCALE;

const SELLERS_ES = { ana: "5215511110001", beto: "5215511110002", marta: "5215511110003" };
const SELLERS_EN = { ann: "15550101001", bob: "15550101002", mary: "15550101003" };
const image = (slug: string) => `https://images.example.com/joyeria/${slug}.jpg`;
const hours = [1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, ranges: [{ open: "10:00", close: "19:00" }] }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let fleet: Fleet;
let es: Shop;
let en: Shop;
let customerSeq = 0;

/** A customer of the shop with a number of their own. */
function customer(shop: Shop, name = "Ana López"): ShopCustomer {
  customerSeq += 1;
  return new ShopCustomer(fleet, shop, `52155700${String(customerSeq).padStart(5, "0")}`, name);
}

/** What the bot sent a seller about this customer (alerts name the customer's number). */
function alertsAbout(phone: string, sellers: Record<string, string>): { seller: string; text: string }[] {
  return Object.entries(sellers).flatMap(([seller, number]) => sentTo(fleet, number).filter((text) => text.includes(`+${phone}`)).map((text) => ({ seller, text })));
}

beforeAll(async () => {
  fleet = await startFleet({
    scale: { "bot-orchestrator": 2 },
    spareNumbers: 2,
    env: { "bot-orchestrator": { FLOW_TIMER_SCALE: String(TIMER_SCALE), PARTITION_LEASE_TTL_MS: "2000", ACTIVE_FLOW_CACHE_MS: "200" } },
  });
  const [esNumber, enNumber] = fleet.spareNumbers;
  if (!esNumber || !enNumber) throw new Error("the fleet has no spare numbers");
  es = await openShop(fleet, {
    slug: "joyeria-cocolu",
    name: "Joyería Cocolu",
    language: "es",
    number: esNumber,
    settings: { timeZone: "America/Mexico_City", currency: "MXN", businessHours: hours, catalogueUrl: "https://example.com/catalogo.pdf" },
    sellers: [
      { name: "Ana Torres", phone: SELLERS_ES.ana },
      { name: "Beto Ruiz", phone: SELLERS_ES.beto },
      { name: "Marta Díaz", phone: SELLERS_ES.marta, supervisor: true },
    ],
    products: [
      { sku: "AN-PLA-001", name: "Anillo de plata 925 liso", category: "anillos", material: "plata", priceMinor: 45_000, stock: 25, imageUrls: [image("an-pla-001")], keywords: ["anillo", "plata"] },
      { sku: "AN-PLA-002", name: "Anillo de plata con circonia", category: "anillos", material: "plata", priceMinor: 69_000, stock: 12, keywords: ["anillo", "circonia"] },
      { sku: "AN-ORO-001", name: "Anillo de compromiso oro 14k", category: "anillos", material: "oro", priceMinor: 899_000, stock: 1, keywords: ["anillo", "compromiso"] },
      { sku: "CA-PLA-001", name: "Cadena de plata 925 veneciana", category: "cadenas", material: "plata", priceMinor: 38_000, stock: 30, keywords: ["cadena", "collar"] },
    ],
  });
  en = await openShop(fleet, {
    slug: "silver-moon",
    name: "Silver Moon",
    language: "en",
    number: enNumber,
    settings: { timeZone: "America/New_York", currency: "USD", businessHours: hours },
    sellers: [
      { name: "Ann Lee", phone: SELLERS_EN.ann },
      { name: "Bob Stone", phone: SELLERS_EN.bob },
      { name: "Mary Major", phone: SELLERS_EN.mary, supervisor: true },
    ],
    products: [{ sku: "RING-001", name: "Sterling silver ring", category: "rings", material: "silver", priceMinor: 4_500, stock: 10, imageUrls: [image("ring-001")], keywords: ["ring", "silver"] }],
  });
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("a new shop", () => {
  it("gets the default flows at sign-up, in its language, each active", async () => {
    for (const shop of [es, en]) {
      const { body } = await shop.api("GET", "/flows?botId=default");
      expect(body.flows.map((flow: { slug: string }) => flow.slug).sort()).toEqual(["adviser", "catalogue", "hours", "my-orders", "order", "problem", "products", "welcome"]);
      expect(body.flows.every((flow: { activeVersion: number | null }) => flow.activeVersion === 1)).toBe(true);
    }
    const names = async (shop: Shop) => (await shop.api("GET", "/flows?botId=default")).body.flows.map((flow: { name: string }) => flow.name);
    expect(await names(es)).toContain("Bienvenida y menú");
    expect(await names(en)).not.toContain("Bienvenida y menú");
  });
});

describe("welcome and menu", () => {
  it("greets by name, gives a seller, and shows the menu; numbers, keycaps and words with typos choose; anything else gets the menu again; 'menu' and '0' work from anywhere", async () => {
    const ana = customer(es);
    const first = await ana.say("hola", 2);
    expect(first[0]).toBe("¡Hola Ana! 👋 Bienvenida/o a Joyería Cocolu 💎");
    expect(first[1]).toBe("¿En qué te puedo ayudar? Elige una opción o escribe su número 👇 [Hablar con un asesor|Ver catálogo|Mis pedidos|Horario|Reportar un problema]");
    // The customer is recorded with a seller.
    const { body: customers } = await es.api("GET", `/customers?q=${ana.phone}`);
    expect(customers.items).toEqual([expect.objectContaining({ whatsappId: ana.phone, name: "Ana López" })]);
    expect((await ana.say("zapatos", 1))[0]).toContain("No te entendí 🤔");
    expect(await ana.say("4️⃣", 2)).toEqual([expect.stringContaining("Lunes: 10:00–19:00"), "¿Te ayudo con algo más? [Hablar con asesor|Ver menú]"]);
    expect((await ana.say("menú", 1))[0]).toContain("[Hablar con un asesor|Ver catálogo");
    expect((await ana.say("horaio", 2))[0]).toContain("Domingo: cerrado");
    // Inside the catalogue's question, "0" goes back to the menu.
    // At the hours' "anything else?" buttons, "2" is the second button (the menu); from the menu, the catalogue.
    expect((await ana.say("2", 1))[0]).toContain("[Hablar con un asesor|Ver catálogo");
    await ana.say("2", 2);
    expect((await ana.say("0", 1))[0]).toContain("[Hablar con un asesor|Ver catálogo");
  }, 60_000);
});

describe("catalogue", () => {
  it("sends the catalogue document, answers a product question with matches and the top one's image, alerts the seller on interest, and asks 20 minutes later — once — whether they were attended", async () => {
    const luis = customer(es, "Luis Pérez");
    await luis.say("hola", 2);
    const opened = await luis.tap("catalogue", "Ver catálogo", 2);
    expect(opened).toEqual(["(document) https://example.com/catalogo.pdf Nuestro catálogo ✨", expect.stringContaining("¿Qué producto buscas?")]);
    const found = await luis.say("anillo de plata", 3);
    expect(found[0]).toContain("1. Anillo de plata 925 liso — $450.00");
    expect(found[1]).toBe(`(image) ${image("an-pla-001")} Anillo de plata 925 liso — $450.00`);
    expect(found[2]).toBe("¿Qué te gustaría hacer? [Me interesa|Hacer pedido|Buscar otro]");
    const told = await luis.tap("interested", "Me interesa", 1, "button");
    expect(told[0]).toMatch(/^¡Genial! 🙌 (Ana Torres|Beto Ruiz) te escribirá en breve sobre \*Anillo de plata 925 liso\*/);
    const alerts = alertsAbout(luis.phone, SELLERS_ES);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.text).toContain("Anillo de plata 925 liso");
    const followUp = await luis.awaitReplies(1, FOLLOW_UP_MS + 15_000);
    expect(followUp).toEqual(["¿Te atendieron? 🙋 [Sí|No]"]);
    await sleep(3000);
    expect(luis.replies().filter((text) => text.startsWith("¿Te atendieron?"))).toHaveLength(1);
    expect(await luis.tap("attended_yes", "Sí", 1, "button")).toEqual([expect.stringContaining("¡Qué bueno! 💛")]);
  }, 90_000);
});

describe("order taking", () => {
  it("takes an order in chat: product from the matches, quantity, pickup, confirmation → the order with its number, stock reserved, the seller alerted", async () => {
    const sofia = customer(es, "Sofía Ramos");
    await sofia.say("hola", 2);
    await sofia.say("2", 2);
    await sofia.say("anillo de plata", 3);
    expect((await sofia.tap("order", "Hacer pedido", 1, "button"))[0]).toContain("¿Cuál quieres pedir? Responde con el número del producto");
    expect((await sofia.say("1", 1))[0]).toBe("¿Cuántas piezas de *Anillo de plata 925 liso* quieres? (de 1 a 100)");
    expect((await sofia.say("2", 1))[0]).toBe("¿Cómo quieres recibir tu pedido? [Envío a domicilio|Recoger en tienda]");
    const summary = await sofia.tap("pickup", "Recoger en tienda", 1, "button");
    expect(summary[0]).toContain("• Cantidad: 2\n• Entrega: Recoger en tienda");
    const created = await sofia.tap("confirm", "Confirmar", 2, "button");
    const number = /Pedido (#\d+) registrado/.exec(created[0] ?? "")?.[1];
    expect(created).toEqual([expect.stringMatching(/^✅ Pedido #\d+ registrado\. Total: \$900\.00/), expect.stringContaining("¡Gracias por tu compra! 💛")]);
    const { body: orders } = await es.api("GET", "/orders");
    expect(orders.items.find((order: { number: number }) => `#${order.number}` === number)).toMatchObject({ status: "pending", totalMinor: 90_000 });
    const { body: products } = await es.api("GET", "/products?q=AN-PLA-001");
    expect(products.items[0]).toMatchObject({ sku: "AN-PLA-001", stock: 23 });
    await eventually(() => alertsAbout(sofia.phone, SELLERS_ES).some((alert) => alert.text.includes(number ?? "?")), 5000, "the seller's order alert");
    // My orders shows it, with its status.
    await sofia.say("menú", 1);
    expect((await sofia.say("3", 1))[0]).toContain(`${number} — Pendiente — $900.00`);
  }, 90_000);

  it("answers an order beyond the stock kindly, with alternatives to choose from", async () => {
    const pablo = customer(es, "Pablo Gil");
    await pablo.say("hola", 2);
    await pablo.say("2", 2);
    await pablo.say("anillo de compromiso", 2);
    await pablo.tap("order", "Hacer pedido", 1, "button");
    await pablo.say("1", 1);
    await pablo.say("5", 1);
    await pablo.tap("pickup", "Recoger en tienda", 1, "button");
    const refused = await pablo.tap("confirm", "Confirmar", 3, "button");
    expect(refused[0]).toBe("Lo siento, no tenemos suficiente Anillo de compromiso oro 14k 😔");
    expect(refused[1]).toBe("Estas opciones similares te pueden interesar 👇");
    expect(refused[2]).toContain("Anillo de plata 925 liso");
    const { body: products } = await es.api("GET", "/products?q=AN-ORO-001");
    expect(products.items[0]).toMatchObject({ stock: 1 });
  }, 60_000);

  it("tells a customer with no orders so, and offers the adviser", async () => {
    const nadia = customer(es, "Nadia Sol");
    await nadia.say("hola", 2);
    expect(await nadia.say("mis pedidos", 1)).toEqual(["Aún no tienes pedidos 🛍️ ¿Quieres que un asesor te ayude a hacer uno? [Hablar con asesor|Ver menú]"]);
  }, 30_000);
});

describe("hand-off", () => {
  it("adviser: the seller's name and link, the seller alerted; 15 minutes later — once, though every orchestrator was killed with SIGKILL meanwhile — 'were you attended?'; no → the seller again and a supervisor", async () => {
    const rosa = customer(es, "Rosa Vega");
    await rosa.say("hola", 2);
    const assigned = await rosa.tap("adviser", "Hablar con un asesor", 1);
    expect(assigned[0]).toMatch(/^Te atiende \*(Ana Torres|Beto Ruiz)\* 💬 .* https:\/\/wa\.me\/52155111100(01|02)$/);
    expect(alertsAbout(rosa.phone, SELLERS_ES)).toHaveLength(1);
    // The bot is paused for the seller: a message now gets no reply.
    expect(await rosa.say("¿hola?", 0)).toEqual([]);
    const before = rosa.replies().length;
    await Promise.all(fleet.replicas["bot-orchestrator"].map((replica) => replica.stop("SIGKILL")));
    await sleep(HANDOFF_MS + 1000);
    expect(rosa.replies()).toHaveLength(before);
    for (let index = 0; index < fleet.replicas["bot-orchestrator"].length; index += 1) await fleet.restartReplica("bot-orchestrator", index);
    await eventually(() => rosa.replies().length > before, 30_000, "the follow-up after the restart");
    expect(rosa.replies().slice(before)).toEqual(["¿Te atendieron? 🙋 [Sí|No]"]);
    // Leases of the killed replicas expire and partitions move: nothing is sent twice.
    await sleep(4000);
    expect(rosa.replies().filter((text) => text.startsWith("¿Te atendieron?"))).toHaveLength(1);
    expect(await rosa.tap("attended_no", "No", 1, "button")).toEqual(["Lo sentimos mucho 😔 Ya avisamos a un supervisor, que te contactará lo antes posible."]);
    const alerts = alertsAbout(rosa.phone, SELLERS_ES);
    expect(alerts.filter((alert) => alert.seller === "marta")).toEqual([expect.objectContaining({ text: expect.stringContaining("Cliente sin atender") })]);
    const own = alerts.filter((alert) => alert.seller !== "marta");
    expect(own).toHaveLength(2);
    expect(own[1]?.text).toContain("🚨 URGENTE");
  }, 120_000);

  it("report a problem: an urgent alert to the seller at once; not attended after 15 minutes → a supervisor, never the same seller again", async () => {
    const elena = customer(es, "Elena Cruz");
    await elena.say("hola", 2);
    expect(await elena.say("5", 1)).toEqual(["Lamentamos el inconveniente 😔 Cuéntanos qué pasó, en un solo mensaje."]);
    // The report names a product: it stays the report.
    const alerted = await elena.say("Mi anillo llegó roto y la caja venía abierta", 1);
    expect(alerted[0]).toMatch(/^Lo sentimos mucho 🙏 Ya avisamos a (Ana Torres|Beto Ruiz)/);
    const first = alertsAbout(elena.phone, SELLERS_ES);
    expect(first).toEqual([expect.objectContaining({ text: expect.stringContaining("🚨 URGENTE") })]);
    expect(first[0]?.text).toContain("Mi anillo llegó roto");
    expect(await elena.awaitReplies(1, HANDOFF_MS + 15_000)).toEqual(["¿Te atendieron? 🙋 [Sí|No]"]);
    await elena.tap("attended_no", "No", 1, "button");
    const alerts = alertsAbout(elena.phone, SELLERS_ES);
    expect(alerts.filter((alert) => alert.seller === "marta")).toHaveLength(1);
    expect(alerts.filter((alert) => alert.seller !== "marta")).toHaveLength(1);
  }, 60_000);
});

describe("product keywords", () => {
  it("shows the product a keyword names and related items, and offers the adviser", async () => {
    const tere = customer(es, "Tere Luna");
    await tere.say("¿tienen cadenas de plata?", 2);
    await eventually(() => tere.replies().some((text) => text.endsWith("[Hablar con asesor|Hacer pedido|Ver menú]")), 5000, "the offer after the product");
    expect(tere.replies()[0]).toContain("Cadena de plata 925 veneciana");
  }, 30_000);
});

describe("staff", () => {
  it("a seller pauses and resumes the bot for a customer from the chat; a paused customer gets no reply but still reaches the live feed; a customer's 'pausar' does nothing", async () => {
    const carla = customer(es, "Carla Paz");
    await carla.say("hola", 2);
    // A customer trying a staff command gets the normal flow.
    const intruder = customer(es, "Intrusa");
    const refused = await intruder.say(`pausar ${carla.phone}`, 2);
    expect(refused.join("\n")).toContain("No te entendí 🤔");
    expect((await carla.say("menú", 1))[0]).toContain("[Hablar con un asesor");

    const ana = new ShopCustomer(fleet, es, SELLERS_ES.ana, "Ana Torres");
    expect((await ana.say(`pausar ${carla.phone} 30`, 1))[0]).toContain(`+${carla.phone}`);
    await eventually(async () => (await es.api("GET", `/bots/${es.botId}/conversations/${carla.phone}`)).body.pausedUntil !== null, 5000, "the pause");
    expect(await carla.say("¿siguen ahí?", 0)).toEqual([]);
    // The message still reached the dashboard's live feed (the events stream the WebSocket reads).
    await eventually(
      async () => (await fleet.redisClient.xrange(STREAMS.events, "-", "+")).some(([, fields]) => (fields[1] ?? "").includes("¿siguen ahí?") && (fields[1] ?? "").includes('"message.received"')),
      5000,
      "the paused customer's message on the events stream",
    );
    expect((await ana.say(`estado ${carla.phone}`, 1))[0]).toContain(`+${carla.phone}`);
    expect((await ana.say(`reanudar ${carla.phone}`, 1))[0]).toContain(`+${carla.phone}`);
    await eventually(async () => (await es.api("GET", `/bots/${es.botId}/conversations/${carla.phone}`)).body.pausedUntil === null, 5000, "the resume");
    expect((await carla.say("menú", 1))[0]).toContain("[Hablar con un asesor");
  }, 60_000);

  it("the dashboard pauses and resumes the bot for a customer", async () => {
    const dora = customer(es, "Dora Mar");
    await dora.say("hola", 2);
    const paused = await es.api("POST", `/bots/${es.botId}/conversations/${dora.phone}/pause`, { minutes: 10 });
    expect(paused.status).toBe(202);
    await eventually(async () => (await es.api("GET", `/bots/${es.botId}/conversations/${dora.phone}`)).body.pausedUntil !== null, 5000, "the pause");
    expect(await dora.say("menú", 0)).toEqual([]);
    expect((await es.api("POST", `/bots/${es.botId}/conversations/${dora.phone}/resume`)).status).toBe(202);
    await eventually(async () => (await es.api("GET", `/bots/${es.botId}/conversations/${dora.phone}`)).body.pausedUntil === null, 5000, "the resume");
    expect((await dora.say("menú", 1))[0]).toContain("[Hablar con un asesor");
  }, 60_000);
});

describe("in English", () => {
  it("the same flows speak English: welcome and menu, the catalogue search, opening hours, the adviser with its follow-up", async () => {
    const john = customer(en, "John Smith");
    const first = await john.say("hi", 2);
    expect(first[0]).toBe("Hi John! 👋 Welcome to Silver Moon 💎");
    expect(first[1]).toContain("[Talk to an adviser|See the catalogue|My orders|Opening hours|Report a problem]");
    expect((await john.say("opening hours", 2))[0]).toContain("Monday: 10:00–19:00");
    await john.say("menu", 1);
    await john.say("2", 2);
    const found = await john.say("silver ring", 3);
    expect(found[0]).toContain("1. Sterling silver ring — $45.00");
    await john.say("menu", 1);
    const assigned = await john.tap("adviser", "Talk to an adviser", 1);
    expect(assigned[0]).toMatch(/(Ann Lee|Bob Stone)/);
    expect(alertsAbout(john.phone, SELLERS_EN)).toHaveLength(1);
    expect(await john.awaitReplies(1, HANDOFF_MS + 15_000)).toEqual(["Were you attended? 🙋 [Yes|No]"]);
    expect((await john.tap("attended_yes", "Yes", 1, "button"))[0]).toContain("Thanks");
  }, 90_000);
});

describe("analytics", () => {
  it("counts the shop's conversations live from the event stream (no MongoDB): messages, hand-offs, escalations, orders and sales", async () => {
    await eventually(
      async () => {
        const { body } = await es.api("GET", "/analytics/metrics?range=24h");
        return body.messagesIn >= 30 && body.orders >= 1 && body.handoffs.escalated >= 2 && body.sellers.alerted >= 4;
      },
      15_000,
      "the shop's KPIs",
    );
    const { body } = await es.api("GET", "/analytics/metrics?range=24h");
    expect(body.messagesOut).toBeGreaterThan(body.messagesIn);
    expect(body.sales).toEqual([{ currency: "MXN", amountMinor: 90_000 }]);
    expect(body.activeBots).toBe(1);
    expect(body.responseMs.p90).not.toBeNull();
    // The English shop's figures are its own.
    const english = (await en.api("GET", "/analytics/metrics?range=24h")).body;
    expect(english.sales).toEqual([]);
    expect(english.messagesIn).toBeGreaterThan(0);
  }, 30_000);
});
