// The default flow set, validated as the dashboard would activate it, and every path of the issue
// walked through the real engine in both languages. The actions are scripted per name with answers
// shaped like the contract's examples (their real runners are the service's); every call's input
// is checked against the action's declared schema.
import { describe, expect, it } from "@jest/globals";
import { actionDefinitions, type ActionName, type Language } from "../actions/definitions.js";
import type { LoadedFlow } from "../engine/compiled-flow.js";
import type { ConversationState, EngineInput } from "../engine/conversation-state.js";
import type { Call, CallResult, OutboundContent } from "../engine/effects.js";
import { resume, runTurn } from "../engine/engine.js";
import { validateFlow, type ActionDefinition, type FlowDocument, type JsonValue, type Step } from "../language/index.js";
import { DEFAULT_FLOW_IDS, DEFAULT_FLOW_TEXTS, defaultFlowSet, MAIN_FLOW_ID } from "./default-flows.js";

const LANGUAGES: Language[] = ["es", "en"];
const START = Date.parse("2026-11-30T15:00:00Z");
const SHOP = "Joyería Cocolu";
const CUSTOMER = { name: "Ana López", phone: "+5215512345678" };

// ---- scripted actions ----------------------------------------------------------------------

type Answer = CallResult | ((input: Record<string, JsonValue>) => CallResult);
const ok = (value: JsonValue): CallResult => ({ ok: true, value });
const fail = (code: string): CallResult => ({ ok: false, code, message: `scripted ${code}` });

const product = (n: number, id: string, name: string, category: string, price: string, image: string) => ({ n, id, sku: `SKU-${n}`, name, category, price_text: price, image, in_stock: true, stock: 5 });
const RING = product(1, "0d9a6c1e-7b2f-4c55-9f0e-2a1b3c4d5e6f", "Anillo de oro 14k", "anillos", "$2,450.00", "https://example.com/anillo.jpg");
const CHAIN = product(2, "1e8b7d2f-8c3a-4d66-8a1f-3b2c4d5e6f70", "Cadena de plata", "cadenas", "$890.00", "");
const BRACELET = product(3, "2f7c8e3a-9d4b-4e77-9b2a-4c3d5e6f7081", "Pulsera de oro", "pulseras", "$1,750.00", "https://example.com/pulsera.jpg");
const OTHER_RING = product(1, "3a6d9f4b-ae5c-4f88-8c3b-5d4e6f708192", "Anillo de plata", "anillos", "$650.00", "");
/** A search answer: the products numbered from 1, as the search numbers them. */
function found(...products: ReturnType<typeof product>[]): CallResult {
  const numbered = products.map((item, i) => ({ ...item, n: i + 1 }));
  return ok({ count: numbered.length, products: numbered, top: numbered[0] ?? null });
}
const SELLER = { id: "6f1c2b9e-2c1e-4a8e-9d3b-0b5d8f6a7c10", name: "Lucía", phone: "+5215511112222", wa_link: "https://wa.me/5215511112222" };
const HOURS = { open_now: false, summary: "Ahora estamos cerrados. Abrimos mañana a las 9:00.", schedule: "Lunes a viernes: 9:00–19:00\nSábado: 10:00–14:00\nDomingo: cerrado" };
const STAFF_REPLY = "⏸️ Bot en pausa para +5215512345678 durante 60 min.";

const definitions: Readonly<Record<string, ActionDefinition & { example: JsonValue }>> = actionDefinitions;

/** catalogue.choose as the service answers it: the product of that number among the results. */
const chooseByNumber: Answer = (input) => {
  const products = Array.isArray(input["products"]) ? input["products"] : [];
  const chosen = products.find((item) => item !== null && typeof item === "object" && !Array.isArray(item) && String(item["n"]) === String(input["choice"]));
  return chosen === undefined ? fail("choice_invalid") : ok(chosen);
};

/** What each action answers unless a test scripts otherwise. */
const USUAL_ANSWERS: Record<ActionName, Answer> = {
  "customers.identify": ok({ customer: { id: "b1e2c3d4-0000-4000-8000-000000000001", name: "Ana López", is_new: true }, seller: SELLER, seller_is_new: true }),
  "sellers.alert": ok({ seller: SELLER }),
  "sellers.release": ok({ released: true }),
  "sellers.escalate": ok({ supervisors: ["Marta"], count: 1 }),
  "catalogue.search": found(RING),
  "catalogue.choose": chooseByNumber,
  "orders.create": ok({ number: "123", total_text: "$4,900.00", status_label: "Pendiente", quantity: 2 }),
  "orders.list_mine": ok({ count: 1, orders: [{ number: "123", status_label: "En camino", total_text: "$4,900.00", date: "2026-11-28" }] }),
  "shop.hours": ok(HOURS),
  "shop.info": ok({ name: SHOP, catalogue_url: "https://example.com/catalogo.pdf", has_catalogue: true, catalogue_is_document: true }),
  "staff.command": ok({ reply: STAFF_REPLY }),
};

interface MadeCall {
  step: string;
  action: string;
  input: Record<string, JsonValue>;
}

/**
 * One customer talking to the bot: keeps the conversation state between turns, answers the
 * engine's calls from a script per action (default: the action's contract example) and fires
 * timers on a virtual clock.
 */
class Chat {
  readonly calls: MadeCall[] = [];
  private state: ConversationState | null = null;
  private readonly flows: Map<string, LoadedFlow>;
  private readonly entry: LoadedFlow;
  private readonly scripted = new Map<string, Answer[]>();
  private now = START;
  private entries = 0;

  constructor(
    language: Language,
    private readonly contact: { name?: string; phone: string } = CUSTOMER,
  ) {
    const set = defaultFlowSet(language);
    this.flows = new Map([set.main, ...set.subflows].map((document) => [document.id, { id: `flow-${document.id}`, version: 1, document }]));
    this.entry = { id: `flow-${set.main.id}`, version: 1, document: set.main };
  }

  /** The action's next answers, in order; the last one keeps answering. */
  script(action: ActionName, ...answers: Answer[]): this {
    this.scripted.set(action, answers);
    return this;
  }

  say(text: string): string[] {
    return this.turn({ type: "message", kind: "text", text });
  }

  tap(payload: string): string[] {
    return this.turn({ type: "message", kind: "button", text: "", payload });
  }

  sendImage(): string[] {
    return this.turn({ type: "message", kind: "media", text: "", mediaType: "image", mediaUrl: "https://example.com/photo.jpg" });
  }

  /** Lets time pass: the timers due within it fire, in order, each as its own turn. */
  advance(seconds: number): string[] {
    const until = this.now + seconds * 1000;
    const replies: string[] = [];
    for (let fired = 0; fired < 10; fired += 1) {
      const timer = this.state?.timer;
      if (!timer || timer.dueAt > until) break;
      this.now = Math.max(this.now, timer.dueAt);
      replies.push(...this.turn({ type: "timer", timerId: timer.id }));
    }
    this.now = until;
    return replies;
  }

  /** "flow/step" the conversation waits at, or "ended". */
  get where(): string {
    return this.state?.step ? `${this.state.flow.slug}/${this.state.step}` : "ended";
  }

  get timer(): string | null {
    return this.state?.timer?.purpose ?? null;
  }

  get paused(): boolean {
    return this.state?.pausedUntil !== null && this.state?.pausedUntil !== undefined && this.state.pausedUntil > this.now;
  }

  inputsOf(action: ActionName): Record<string, JsonValue>[] {
    return this.calls.filter((call) => call.action === action).map((call) => call.input);
  }

  private turn(input: EngineInput): string[] {
    this.entries += 1;
    const running = this.state ? (this.flows.get(this.state.flow.slug) ?? null) : null;
    let outcome = runTurn({
      state: this.state,
      flow: running,
      entry: this.entry,
      resolveFlow: (slug) => this.flows.get(slug),
      input,
      entryId: `entry-${this.entries}`,
      context: {
        now: this.now,
        contact: { phone: this.contact.phone, ...(this.contact.name === undefined ? {} : { name: this.contact.name }), isNew: this.entries === 1 },
        bot: { name: "Cocolu" },
        tenant: { name: SHOP, timezone: "America/Mexico_City" },
      },
    });
    while (outcome.status === "call") outcome = resume(outcome.suspension, this.answer(outcome.call));
    this.state = outcome.state;
    return outcome.effects.flatMap((effect) => (effect.type === "send" ? [said(effect.content)] : []));
  }

  private answer(call: Call): CallResult {
    if (call.kind !== "action") throw new Error(`the default flows make no http calls (${call.method} ${call.url})`);
    const definition = Object.hasOwn(definitions, call.action) ? definitions[call.action] : undefined;
    if (!definition) throw new Error(`${call.step} calls an unknown action ${call.action}`);
    // What the real runner checks first: a refused input is a bug in the flow, not a scripted failure.
    const parsed = definition.input.safeParse(call.input);
    if (!parsed.success) throw new Error(`step ${call.step}: ${call.action} refuses ${JSON.stringify(call.input)}: ${parsed.error.message}`);
    this.calls.push({ step: call.step, action: call.action, input: call.input });
    const queue = this.scripted.get(call.action);
    const next = (queue && queue.length > 1 ? queue.shift() : queue?.[0]) ?? USUAL_ANSWERS[call.action as ActionName];
    return typeof next === "function" ? next(call.input) : next;
  }
}

function said(content: OutboundContent): string {
  switch (content.type) {
    case "text":
      return content.body;
    case "media":
      return `[${content.kind} ${content.url}${content.caption ? ` "${content.caption}"` : ""}${content.filename ? ` as ${content.filename}` : ""}]`;
    case "buttons":
      return `${content.body} [${content.buttons.map((button) => button.title).join("|")}]`;
    case "list":
      return `${content.body} [${content.sections.flatMap((section) => section.rows.map((row) => row.title)).join("|")}]`;
  }
}

// ---- what the customer must read, written out per language -----------------------------------

const EXPECT = {
  es: {
    hello: "hola",
    greeting: "¡Hola Ana! 👋 Bienvenida/o a Joyería Cocolu 💎",
    greetingNoName: "¡Hola! 👋 Bienvenida/o a Joyería Cocolu 💎",
    rows: ["Hablar con un asesor", "Ver catálogo", "Mis pedidos", "Horario", "Reportar un problema"],
    notUnderstood: "No te entendí 🤔",
    typo: "catalgo",
    menuWords: ["menú", "0", "inicio"],
    query: "algo de oro para regalo",
    productWords: "anillo de oro",
    productMessage: "¿Tienen anillos de oro?",
    attended: "¿Te atendieron? 🙋",
    yesNo: ["Sí", "No"],
    interestButtons: ["Me interesa", "Hacer pedido", "Buscar otro"],
    noResults: "No encontré productos para «zzz»",
    created: "✅ Pedido #123 registrado. Total: $4,900.00",
    outOfStock: "Lo siento, no tenemos suficiente Anillo de oro 14k 😔",
    cancelled: "Pedido cancelado",
    noOrders: "Aún no tienes pedidos",
    orderLine: "#123 — En camino — $4,900.00 (2026-11-28)",
    problem: "Mi anillo llegó roto y la caja venía abierta",
    address: "Estado de México, calle Reforma 10, Toluca",
    productAddress: "Anillo Periférico Sur 4000, Coyoacán",
    staffCommand: "pausar +5215512345678 60",
    customerCommand: "estado",
    supervisor: "supervisor",
  },
  en: {
    hello: "hi",
    greeting: "Hi Ana! 👋 Welcome to Joyería Cocolu 💎",
    greetingNoName: "Hi! 👋 Welcome to Joyería Cocolu 💎",
    rows: ["Talk to an adviser", "See the catalogue", "My orders", "Opening hours", "Report a problem"],
    notUnderstood: "Sorry, I didn't get that 🤔",
    typo: "catalgo",
    menuWords: ["menu", "0", "start"],
    query: "something gold for a gift",
    productWords: "gold ring",
    productMessage: "Do you have gold rings?",
    attended: "Were you attended? 🙋",
    yesNo: ["Yes", "No"],
    interestButtons: ["I'm interested", "Place an order", "Search again"],
    noResults: 'I couldn\'t find products for "zzz"',
    created: "✅ Order #123 placed. Total: $4,900.00",
    outOfStock: "Sorry, we don't have enough Anillo de oro 14k 😔",
    cancelled: "Order cancelled",
    noOrders: "You don't have any orders yet",
    orderLine: "#123 — En camino — $4,900.00 (2026-11-28)",
    problem: "My ring arrived broken and the box was open",
    address: "Estado de México, calle Reforma 10, Toluca",
    productAddress: "12 Ring Road, Leeds",
    staffCommand: "pause +5215512345678 60",
    customerCommand: "status",
    supervisor: "supervisor",
  },
} as const satisfies Record<Language, unknown>;

// ---- the documents -------------------------------------------------------------------------

describe("the default flow set", () => {
  it.each(LANGUAGES)("validates every %s document against the action contract and the set's flow ids", (language) => {
    const set = defaultFlowSet(language);
    for (const document of [set.main, ...set.subflows]) {
      const result = validateFlow(document, { actions: actionDefinitions, flows: [...DEFAULT_FLOW_IDS] });
      expect({ flow: document.id, problems: result.ok ? [] : result.problems }).toEqual({ flow: document.id, problems: [] });
    }
  });

  it("holds the main flow and one subflow per id, each entered by id", () => {
    const set = defaultFlowSet("es");
    expect(set.main.id).toBe(MAIN_FLOW_ID);
    expect([set.main, ...set.subflows].map((document) => document.id)).toEqual([...DEFAULT_FLOW_IDS]);
    const gotos = [set.main, ...set.subflows].flatMap((document) => Object.values(document.steps).flatMap((step) => (step.kind === "goto" && step.flow ? [step.flow] : [])));
    expect(new Set(gotos)).toEqual(new Set(DEFAULT_FLOW_IDS));
  });

  it("has one structure in both languages: the same steps, kinds, targets, actions and trigger kinds", () => {
    const skeleton = (document: FlowDocument) => ({
      start: document.start,
      triggers: document.triggers.map((trigger) => [trigger.type, trigger.target ?? null, "global" in trigger ? trigger.global === true : false]),
      steps: Object.fromEntries(Object.entries(document.steps).map(([id, step]) => [id, shape(step)])),
    });
    const es = defaultFlowSet("es");
    const en = defaultFlowSet("en");
    expect([en.main, ...en.subflows].map(skeleton)).toEqual([es.main, ...es.subflows].map(skeleton));
  });

  it("returns fresh documents, so that a caller's change never leaks into the next tenant's", () => {
    const first = defaultFlowSet("es");
    first.main.name = "changed";
    expect(defaultFlowSet("es").main.name).not.toBe("changed");
  });

  it.each(LANGUAGES)("passes the customer's language to every %s action that takes one", (language) => {
    const set = defaultFlowSet(language);
    for (const document of [set.main, ...set.subflows]) {
      for (const [id, step] of Object.entries(document.steps)) {
        if (step.kind !== "action") continue;
        const definition = definitions[step.action];
        const takesLanguage = definition !== undefined && definition.input.safeParse({}).error?.issues.some((issue) => issue.path[0] === "language") === true;
        if (takesLanguage) expect({ step: `${document.id}/${id}`, language: step.input?.["language"] }).toEqual({ step: `${document.id}/${id}`, language });
      }
    }
  });

  it("is tested with action answers whose every field is in the contract's examples", () => {
    for (const [name, answer] of Object.entries(USUAL_ANSWERS)) {
      const sample = typeof answer === "function" ? answer({ products: [RING], choice: "1" }) : answer;
      expect({ name, shape: shapeOf(definitions[name]?.example ?? null) }).toMatchObject({ name, shape: sample.ok ? shapeOf(sample.value) : "an answer" });
    }
  });

  it("uses lower-case ids for every button and list row", () => {
    const set = defaultFlowSet("en");
    const ids = [set.main, ...set.subflows].flatMap((document) =>
      Object.values(document.steps).flatMap((step) => (step.kind === "buttons" ? step.buttons.map((b) => b.id) : step.kind === "list" ? step.sections.flatMap((s) => s.rows.map((r) => r.id)) : [])),
    );
    expect(ids.length).toBeGreaterThan(20);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9_]+$/);
  });
});

/** The field names of a JSON value, recursively (arrays by their first item). */
function shapeOf(value: JsonValue): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0] ?? null)];
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.keys(value).sort().map((key) => [key, shapeOf(value[key] ?? null)]));
  return typeof value;
}

function shape(step: Step): unknown {
  switch (step.kind) {
    case "buttons":
      return [step.kind, step.buttons.map((b) => [b.id, b.next]), step.onFail ?? null];
    case "list":
      return [step.kind, step.sections.map((s) => s.rows.map((r) => [r.id, r.next])), step.onFail ?? null];
    case "action":
      return [step.kind, step.action, Object.keys(step.input ?? {}), step.next, step.onError];
    case "question":
      return [step.kind, step.variable, step.validation, step.next, step.onFail];
    case "decision":
      return [step.kind, step.conditions, step.default];
    default:
      return [step.kind, "next" in step ? step.next : null, step.kind === "goto" ? (step.flow ?? step.step) : null];
  }
}

// ---- the paths -----------------------------------------------------------------------------

describe.each(LANGUAGES)("in %s", (language) => {
  const x = EXPECT[language];
  const t = DEFAULT_FLOW_TEXTS[language];
  const menu = `${t.welcome.menu} [${x.rows.join("|")}]`;
  const menuAgain = `${t.welcome.menuRetry} [${x.rows.join("|")}]`;
  const interestButtons = `${t.common.whatNext} [${x.interestButtons.join("|")}]`;
  const attended = `${x.attended} [${x.yesNo.join("|")}]`;

  /** A customer who was greeted and now looks at the menu. */
  function atMenu(chat = new Chat(language)): Chat {
    chat.say(x.hello);
    return chat;
  }
  /** A customer who searched the catalogue and sees the results. */
  function searched(chat = atMenu(), results = found(RING, CHAIN)): Chat {
    chat.script("catalogue.search", results);
    chat.say("2");
    chat.say(x.query);
    return chat;
  }

  describe("welcome and menu", () => {
    it("greets by name, records the customer and shows the five options", () => {
      const chat = new Chat(language);
      expect(chat.say(x.hello)).toEqual([x.greeting, menu]);
      expect(chat.inputsOf("customers.identify")).toEqual([{ name: CUSTOMER.name }]);
      expect(chat.where).toBe("welcome/menu");
    });

    it("greets without a name when the profile has none", () => {
      expect(new Chat(language, { phone: CUSTOMER.phone }).say(x.hello)).toEqual([x.greetingNoName, menu]);
    });

    it("shows the menu even when the customer cannot be recorded", () => {
      const chat = new Chat(language).script("customers.identify", fail("unavailable"));
      expect(chat.say(x.hello)).toEqual([x.greeting, menu]);
    });

    it("starts on any first message, text or picture", () => {
      expect(new Chat(language).say("qwerty?")).toEqual([x.greeting, menu]);
      expect(new Chat(language).sendImage()).toEqual([x.greeting, menu]);
    });

    it.each([
      ["its number", "2"],
      ["its keycap emoji", "2️⃣"],
      ["a keyword with a typo", EXPECT[language].typo],
    ])("chooses an option by %s", (_, answer) => {
      const chat = atMenu();
      const replies = chat.say(answer);
      expect(chat.inputsOf("shop.info")).toHaveLength(1);
      expect(replies).toEqual(["[document https://example.com/catalogo.pdf " + `"${t.catalogue.documentCaption}" as ${t.catalogue.filename}]`, t.catalogue.ask]);
      expect(chat.where).toBe("catalogue/ask");
    });

    it("answers what it does not understand with a short note and the menu, and never goes silent", () => {
      const chat = atMenu();
      expect(chat.say("xyz")).toEqual([menuAgain]);
      expect(menuAgain.startsWith(x.notUnderstood)).toBe(true);
      for (let i = 0; i < 15; i += 1) expect(chat.say(`blah ${i}`)).toHaveLength(1);
      expect(chat.where).toBe("welcome/menu");
    });

    it.each(EXPECT[language].menuWords)("goes back to the menu with %p from inside a subflow", (word) => {
      const chat = searched();
      chat.tap("interested");
      expect(chat.timer).toBe("wait");
      expect(chat.say(word)).toEqual([menu]);
      expect(chat.where).toBe("welcome/menu");
      expect(chat.timer).toBeNull();
      // The cancelled follow-up never fires.
      expect(chat.advance(3600)).toEqual([]);
    });

    it("goes back to the menu from a question of the order", () => {
      const chat = searched();
      chat.tap("order");
      chat.say("1");
      expect(chat.where).toBe("order/quantity");
      expect(chat.say("0")).toEqual([menu]);
    });
  });

  describe("adviser", () => {
    it("gives the seller's name and link, pauses 15 minutes, and releases the seller when attended", () => {
      const chat = atMenu();
      const replies = chat.say("1");
      expect(chat.inputsOf("sellers.alert")).toEqual([{ reason: "adviser", language }]);
      expect(replies).toHaveLength(1);
      expect(replies[0]).toContain("Lucía");
      expect(replies[0]).toContain("https://wa.me/5215511112222");
      expect(chat.paused).toBe(true);
      expect(chat.say("¿hola?")).toEqual([]);
      expect(chat.advance(899)).toEqual([]);
      expect(chat.advance(1)).toEqual([attended]);
      expect(chat.tap("attended_yes")).toEqual([t.attended.thanks]);
      expect(chat.inputsOf("sellers.release")).toEqual([{ reason: "adviser" }]);
      expect(chat.where).toBe("ended");
    });

    it("alerts the seller again and escalates when the customer was not attended", () => {
      const chat = atMenu();
      chat.say("1");
      chat.advance(900);
      const replies = chat.say(x.yesNo[1]);
      expect(chat.inputsOf("sellers.alert")).toEqual([
        { reason: "adviser", language },
        { reason: "not_attended", priority: "high", language },
      ]);
      expect(chat.inputsOf("sellers.escalate")).toEqual([{ reason: "adviser", language }]);
      expect(chat.inputsOf("sellers.release")).toEqual([]);
      expect(replies).toEqual([t.attended.supervisorNotified]);
      expect(replies[0]).toContain(x.supervisor);
    });

    it("still tells the customer something when no supervisor is on duty", () => {
      const chat = atMenu().script("sellers.escalate", fail("no_supervisor"));
      chat.say("1");
      chat.advance(900);
      expect(chat.tap("attended_no")).toEqual([t.attended.nobodyAvailable]);
    });

    it("shows the opening hours and the menu when no seller is available", () => {
      const chat = atMenu().script("sellers.alert", fail("no_seller_available"));
      const replies = chat.say("1");
      expect(chat.inputsOf("shop.hours")).toEqual([{ language }]);
      expect(replies).toHaveLength(2);
      expect(replies[0]).toContain(HOURS.summary);
      expect(replies[0]).toContain(HOURS.schedule);
      expect(replies[1]).toBe(menu);
      expect(chat.paused).toBe(false);
    });
  });

  describe("catalogue", () => {
    it("sends the catalogue as a link when it is not a document, or says there is none", () => {
      const link = atMenu().script("shop.info", ok({ name: SHOP, catalogue_url: "https://shop.example/catalogo", has_catalogue: true, catalogue_is_document: false }));
      expect(link.say("2")).toEqual([expect.stringContaining("https://shop.example/catalogo"), t.catalogue.ask]);
      const none = atMenu().script("shop.info", ok({ name: SHOP, catalogue_url: "", has_catalogue: false, catalogue_is_document: false }));
      expect(none.say("2")).toEqual([t.catalogue.noCatalogue, t.catalogue.ask]);
    });

    it("lists the matches, shows the top one's picture and offers interest, an order or another search", () => {
      const chat = atMenu().script("catalogue.search", found(RING, CHAIN));
      chat.say("2");
      const replies = chat.say(x.query);
      expect(chat.inputsOf("catalogue.search")).toEqual([{ query: x.query, limit: 3, language }]);
      expect(replies).toHaveLength(3);
      expect(replies[0]).toContain(x.query);
      expect(replies[0]).toContain("1. Anillo de oro 14k — $2,450.00\n2. Cadena de plata — $890.00");
      expect(replies[1]).toBe('[image https://example.com/anillo.jpg "Anillo de oro 14k — $2,450.00"]');
      expect(replies[2]).toBe(interestButtons);
    });

    it("shows no picture when the top match has none", () => {
      const chat = atMenu().script("catalogue.search", found(CHAIN));
      chat.say("2");
      expect(chat.say(x.query)).toEqual([expect.stringContaining("1. Cadena de plata — $890.00"), interestButtons]);
    });

    it("searches product words typed in the catalogue here, not in the product view", () => {
      const chat = atMenu().script("catalogue.search", found(RING));
      chat.say("2");
      chat.say(x.productWords);
      expect(chat.calls.at(-1)).toEqual({ step: "search", action: "catalogue.search", input: { query: x.productWords, limit: 3, language } });
      expect(chat.where).toBe("catalogue/interest");
    });

    it("alerts the seller on interest and asks 20 minutes later whether they were attended", () => {
      const chat = searched();
      const replies = chat.tap("interested");
      expect(chat.inputsOf("sellers.alert")).toEqual([{ reason: "catalogue_interest", note: "Anillo de oro 14k", language }]);
      expect(replies).toHaveLength(1);
      expect(replies[0]).toContain("Lucía");
      expect(replies[0]).toContain("Anillo de oro 14k");
      expect(chat.advance(1199)).toEqual([]);
      expect(chat.advance(1)).toEqual([attended]);
      chat.tap("attended_no");
      expect(chat.inputsOf("sellers.alert").at(-1)).toEqual({ reason: "not_attended", priority: "high", note: "Anillo de oro 14k", language });
      expect(chat.inputsOf("sellers.escalate")).toEqual([{ reason: "catalogue_interest", note: "Anillo de oro 14k", language }]);
    });

    it("releases the seller when the customer was attended after the interest", () => {
      const chat = searched();
      chat.tap("interested");
      chat.advance(1200);
      expect(chat.say(x.yesNo[0])).toEqual([t.attended.thanks]);
      expect(chat.inputsOf("sellers.release")).toEqual([{ reason: "catalogue_interest" }]);
    });

    it("treats a reply during the 20-minute wait as a new search", () => {
      const chat = searched();
      chat.tap("interested");
      chat.script("catalogue.search", found(BRACELET));
      const replies = chat.say("pulsera de oro");
      expect(chat.inputsOf("catalogue.search").at(-1)).toEqual({ query: "pulsera de oro", limit: 3, language });
      expect(replies).toEqual([expect.stringContaining("1. Pulsera de oro — $1,750.00"), '[image https://example.com/pulsera.jpg "Pulsera de oro — $1,750.00"]', interestButtons]);
      expect(chat.timer).toBeNull();
      expect(chat.advance(1200)).toEqual([]);
    });

    it("asks again with «search again»", () => {
      const chat = searched();
      expect(chat.tap("search_again")).toEqual([t.catalogue.ask]);
    });

    it("says when nothing matches and offers another search, the adviser or the menu", () => {
      const chat = atMenu().script("catalogue.search", found());
      chat.say("2");
      const replies = chat.say("zzz");
      expect(replies).toHaveLength(1);
      expect(replies[0]).toContain(x.noResults);
      expect(replies[0]).toMatch(/\[.+\|.+\|.+\]$/);
      expect(chat.tap("adviser")).toEqual([expect.stringContaining("Lucía")]);
      expect(chat.inputsOf("sellers.alert")).toEqual([{ reason: "adviser", language }]);
    });
  });

  describe("order", () => {
    /** From the catalogue's results to the summary, with home delivery. */
    function toSummary(chat: Chat): string[] {
      chat.tap("order");
      chat.say("1");
      chat.say("2");
      chat.tap("delivery");
      return chat.say(x.address);
    }

    it("takes an order from the search results: product, quantity, delivery, address, confirmation", () => {
      const chat = searched();
      const choose = chat.tap("order");
      expect(choose).toHaveLength(1);
      expect(choose[0]).toContain("1. Anillo de oro 14k — $2,450.00\n2. Cadena de plata — $890.00");
      expect(chat.say("1")).toEqual([expect.stringContaining("Anillo de oro 14k")]);
      expect(chat.inputsOf("catalogue.choose")).toEqual([{ products: [RING, CHAIN], choice: "1" }]);
      expect(chat.say("2")).toEqual([`${t.order.deliveryQuestion} [${t.order.delivery.title}|${t.order.pickup.title}]`]);
      expect(chat.tap("delivery")).toEqual([t.order.address]);
      // An address that starts like a staff command word is still an address.
      const summary = chat.say(x.address);
      expect(chat.where).toBe("order/summary");
      expect(summary).toHaveLength(1);
      for (const detail of ["Anillo de oro 14k", "$2,450.00", ": 2", t.order.deliveryLabel, x.address]) expect(summary[0]).toContain(detail);
      const done = chat.tap("confirm");
      expect(chat.inputsOf("orders.create")).toEqual([{ product_id: RING.id, quantity: "2", delivery: "delivery", address: x.address, language }]);
      expect(done).toEqual([x.created, t.order.done]);
      expect(chat.inputsOf("sellers.alert")).toEqual([{ reason: "order", note: "#123", language }]);
      expect(chat.where).toBe("ended");
    });

    it("sends no address for a store pickup, even after an earlier delivery", () => {
      const chat = searched();
      toSummary(chat);
      chat.tap("cancel");
      chat.tap("menu");
      chat.say("2");
      chat.say(x.query);
      chat.tap("order");
      expect(chat.say("2")).toEqual([expect.stringContaining("Cadena de plata")]);
      chat.say("1");
      expect(chat.say(t.order.pickup.title)).toEqual([expect.stringContaining(t.order.pickupLabel)]);
      chat.tap("confirm");
      expect(chat.inputsOf("orders.create")).toEqual([{ product_id: CHAIN.id, quantity: "1", delivery: "pickup", address: "", language }]);
    });

    it("confirms the order even when the seller cannot be alerted", () => {
      const chat = searched();
      toSummary(chat);
      chat.script("sellers.alert", fail("no_seller_available"));
      expect(chat.tap("confirm")).toEqual([x.created, t.order.done]);
    });

    it("asks again when the number is not one of the results", () => {
      const chat = searched();
      chat.tap("order");
      const replies = chat.say("5");
      expect(replies).toHaveLength(2);
      expect(replies[0]).toBe(t.order.choiceInvalid);
      expect(replies[1]).toContain("1. Anillo de oro 14k");
      expect(chat.say("2")).toEqual([expect.stringContaining("Cadena de plata")]);
      expect(chat.where).toBe("order/quantity");
    });

    it("offers products of the same category when the chosen one is out of stock", () => {
      const chat = searched();
      toSummary(chat);
      chat.script("orders.create", fail("out_of_stock"), ok({ number: "A-000124", total_text: "$1,300.00", status_label: "Pendiente", quantity: 2 }));
      chat.script("catalogue.search", found(OTHER_RING));
      const replies = chat.tap("confirm");
      expect(chat.inputsOf("catalogue.search").at(-1)).toEqual({ query: "anillos", limit: 5, language });
      expect(replies).toEqual([x.outOfStock, t.order.alternatives, expect.stringContaining("1. Anillo de plata — $650.00")]);
      expect(chat.where).toBe("order/choose");
      chat.say("1");
      chat.say("2");
      chat.tap("pickup");
      expect(chat.tap("confirm")[0]).toContain("A-000124");
      expect(chat.inputsOf("orders.create").at(-1)).toMatchObject({ product_id: OTHER_RING.id, quantity: "2", delivery: "pickup" });
    });

    it("cancels without ordering and offers the menu", () => {
      const chat = searched();
      toSummary(chat);
      const replies = chat.tap("cancel");
      expect(replies).toHaveLength(1);
      expect(replies[0]).toContain(x.cancelled);
      expect(replies[0]).toContain(t.common.menu.title);
      expect(chat.inputsOf("orders.create")).toEqual([]);
      expect(chat.tap("menu")).toEqual([menu]);
    });

    it("asks for the product by name after answers that are not numbers, and searches again", () => {
      const chat = searched();
      chat.tap("order");
      expect(chat.say("abc")).toEqual([t.order.chooseRetry]);
      chat.say("abc");
      expect(chat.say("abc")).toEqual([t.order.askProduct]);
      chat.script("catalogue.search", found(BRACELET));
      expect(chat.say(x.query)).toEqual([expect.stringContaining("1. Pulsera de oro — $1,750.00")]);
      expect(chat.inputsOf("catalogue.search").at(-1)).toEqual({ query: x.query, limit: 5, language });
      expect(chat.where).toBe("order/choose");
    });

    it("shows the product view for product words typed where the order asks for a number, whose order button orders among the new results", () => {
      const chat = searched();
      chat.tap("order");
      chat.script("catalogue.search", found(BRACELET, RING));
      const view = chat.say(x.productWords);
      expect(view.at(-1)).toContain(t.common.order.title);
      expect(chat.inputsOf("catalogue.search").at(-1)).toMatchObject({ query: x.productWords, language });
      expect(chat.tap("order")).toEqual([expect.stringContaining("1. Pulsera de oro — $1,750.00\n2. Anillo de oro 14k")]);
      expect(chat.where).toBe("order/choose");
    });

    it("keeps an address that names a product (a street) as the address", () => {
      const chat = searched();
      chat.tap("order");
      chat.say("1");
      chat.say("1");
      chat.tap("delivery");
      const summary = chat.say(x.productAddress);
      expect(chat.where).toBe("order/summary");
      expect(summary[0]).toContain(x.productAddress);
      chat.tap("confirm");
      expect(chat.inputsOf("orders.create")).toEqual([{ product_id: RING.id, quantity: "1", delivery: "delivery", address: x.productAddress, language }]);
    });

    it("offers the order straight away when no seller can take the interest", () => {
      const chat = searched().script("sellers.alert", fail("no_seller_available"));
      expect(chat.tap("interested")).toEqual([expect.stringContaining(t.common.order.title)]);
      expect(chat.tap("order")).toEqual([expect.stringContaining("1. Anillo de oro 14k — $2,450.00")]);
    });
  });

  describe("my orders", () => {
    it("lists the latest orders with their status", () => {
      const chat = atMenu();
      const replies = chat.say("3");
      expect(chat.inputsOf("orders.list_mine")).toEqual([{ limit: 3, language }]);
      expect(replies).toHaveLength(1);
      expect(replies[0]).toContain(x.orderLine);
      expect(chat.where).toBe("ended");
    });

    it("offers the adviser or the menu when there are none", () => {
      const chat = atMenu().script("orders.list_mine", ok({ count: 0, orders: [] }));
      const replies = chat.say("3");
      expect(replies).toEqual([`${t.myOrders.none} [${t.common.adviser.title}|${t.common.menu.title}]`]);
      expect(replies[0]).toContain(x.noOrders);
      chat.tap("adviser");
      expect(chat.inputsOf("sellers.alert")).toEqual([{ reason: "adviser", language }]);
    });
  });

  describe("opening hours", () => {
    it("shows the summary and the week, then offers the adviser or the menu", () => {
      const chat = atMenu();
      expect(chat.say("4")).toEqual([
        `${HOURS.summary}\n\n${HOURS.schedule}`,
        `${t.common.anythingElse} [${t.common.adviser.title}|${t.common.menu.title}]`,
      ]);
      expect(chat.inputsOf("shop.hours")).toEqual([{ language }]);
      expect(chat.tap("menu")).toEqual([menu]);
    });
  });

  describe("report a problem", () => {
    it("alerts the seller at once, pauses 15 minutes, and escalates — never re-alerting the seller — when nobody attended", () => {
      const chat = atMenu();
      expect(chat.say("5")).toEqual([t.problem.ask]);
      // The description names a product: it is still the description.
      const replies = chat.say(x.problem);
      expect(chat.inputsOf("sellers.alert")).toEqual([{ reason: "problem", priority: "high", note: x.problem, language }]);
      expect(replies).toEqual([expect.stringContaining("Lucía")]);
      expect(chat.paused).toBe(true);
      expect(chat.advance(900)).toEqual([attended]);
      expect(chat.tap("attended_no")).toEqual([t.attended.supervisorNotified]);
      expect(chat.inputsOf("sellers.escalate")).toEqual([{ reason: "problem", note: x.problem, language }]);
      expect(chat.inputsOf("sellers.alert")).toHaveLength(1);
    });

    it("releases the seller when the customer was attended", () => {
      const chat = atMenu();
      chat.say("5");
      chat.say(x.problem);
      chat.advance(900);
      expect(chat.tap("attended_yes")).toEqual([t.attended.thanks]);
      expect(chat.inputsOf("sellers.release")).toEqual([{ reason: "problem" }]);
      expect(chat.inputsOf("sellers.escalate")).toEqual([]);
    });

    it("goes straight to a supervisor when no seller is available", () => {
      const chat = atMenu().script("sellers.alert", fail("no_seller_available"));
      chat.say("5");
      expect(chat.say(x.problem)).toEqual([t.attended.supervisorNotified]);
      expect(chat.inputsOf("sellers.escalate")).toEqual([{ reason: "problem", note: x.problem, language }]);
      expect(chat.paused).toBe(false);
    });
  });

  describe("product keywords", () => {
    it("show the best match with its picture, the related products, and the adviser, order and menu", () => {
      const chat = new Chat(language).script("catalogue.search", found(RING, CHAIN, BRACELET));
      const replies = chat.say(x.productMessage);
      expect(chat.inputsOf("catalogue.search")).toEqual([{ query: x.productMessage, limit: 4, language }]);
      expect(replies).toHaveLength(3);
      expect(replies[0]).toBe('[image https://example.com/anillo.jpg "*Anillo de oro 14k*\n$2,450.00"]');
      expect(replies[1]).toContain("2. Cadena de plata — $890.00\n3. Pulsera de oro — $1,750.00");
      expect(replies[1]).not.toContain("Anillo de oro 14k");
      expect(replies[2]).toBe(`${t.common.whatNext} [${t.common.adviser.title}|${t.common.order.title}|${t.common.menu.title}]`);
      expect(chat.tap("order")).toEqual([expect.stringContaining("3. Pulsera de oro")]);
    });

    it("work from the menu too, and without a picture or related products", () => {
      const chat = atMenu().script("catalogue.search", found(CHAIN));
      expect(chat.say(x.productWords)).toEqual(["*Cadena de plata* — $890.00", `${t.common.whatNext} [${t.common.adviser.title}|${t.common.order.title}|${t.common.menu.title}]`]);
    });

    it("offer the adviser when nothing matches", () => {
      const chat = new Chat(language).script("catalogue.search", found());
      const replies = chat.say(x.productMessage);
      expect(replies).toEqual([expect.stringContaining(x.productMessage)]);
      expect(replies[0]).toContain(t.common.adviser.title);
      chat.tap("adviser");
      expect(chat.inputsOf("sellers.alert")).toEqual([{ reason: "adviser", language }]);
    });
  });

  describe("staff commands", () => {
    it("run for staff and answer with the command's reply", () => {
      const chat = new Chat(language, { name: "Lucía", phone: "+5215511112222" });
      expect(chat.say(x.staffCommand)).toEqual([STAFF_REPLY]);
      expect(chat.inputsOf("staff.command")).toEqual([{ text: x.staffCommand, language }]);
      expect(chat.where).toBe("ended");
    });

    it("are an answer the menu does not understand when a customer sends one", () => {
      const chat = atMenu().script("staff.command", fail("not_staff"));
      expect(chat.say(x.customerCommand)).toEqual([x.notUnderstood, menu]);
      expect(chat.where).toBe("welcome/menu");
      expect(chat.inputsOf("customers.identify")).toHaveLength(1);
    });

    it("greet a new customer who starts with one", () => {
      const chat = new Chat(language).script("staff.command", fail("not_staff"));
      expect(chat.say(x.customerCommand)).toEqual([x.notUnderstood, x.greeting, menu]);
    });
  });
});
