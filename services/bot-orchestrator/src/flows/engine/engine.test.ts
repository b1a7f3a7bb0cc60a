// The engine's behaviour, step kind by step kind and trigger by trigger, through the simulator (the
// real engine with a virtual clock), plus the turn-level contract: calls, resume, effects, purity.
import { describe, expect, it } from "@jest/globals";
import { z } from "zod";
import { validateFlow, type ActionRegistry, type FlowDocument } from "../language/index.js";
import { exampleActions, shopMenuFlow } from "../language/flow-examples.js";
import type { LoadedFlow } from "./compiled-flow.js";
import type { OutboundContent } from "./effects.js";
import { resume, runTurn, type Turn, type TurnRequest } from "./engine.js";
import { simulateConversation } from "./simulate.js";
import type { SimulatedInput, SimulationResult } from "./simulation.types.js";

const actions: ActionRegistry = {
  ...exampleActions,
  "catalogue.search": { ...exampleActions["catalogue.search"], input: z.strictObject({ query: z.string().min(1), limit: z.number().int() }), example: { count: 1, items: [{ name: "Anillo de oro", price: "$1,200" }] } },
  "sellers.assign": { input: z.strictObject({ specialty: z.string().optional() }), example: { id: "s-1", name: "Ana", phone: "5215511111111" } },
  "orders.get": { input: z.strictObject({ number: z.number().int() }) },
};

function flow(steps: Record<string, unknown>, triggers: unknown[] = [{ type: "keyword", keywords: ["hola"] }], extra: Record<string, unknown> = {}): LoadedFlow {
  const document = { schemaVersion: 1, id: "test", name: "Test", start: Object.keys(steps)[0], triggers, steps, ...extra };
  const checked = validateFlow(document, { actions, flows: ["otro"] });
  if (!checked.ok) throw new Error(`test flow is invalid: ${JSON.stringify(checked.problems)}`);
  return { id: "flow-1", version: 1, document: checked.flow };
}

const text = (body: string): SimulatedInput => ({ type: "text", text: body });
const tap = (payload: string): SimulatedInput => ({ type: "payload", payload });
const advance = (seconds: number): SimulatedInput => ({ type: "advance", seconds });

function talk(loaded: LoadedFlow, inputs: SimulatedInput[], extra: { flows?: Record<string, unknown>; contactName?: string } = {}): SimulationResult {
  return simulateConversation(loaded, { inputs, contactName: extra.contactName ?? "Ana María", startAt: Date.parse("2026-11-30T15:00:00Z"), ...(extra.flows ? { flows: extra.flows } : {}) }, { actions, tenant: { name: "Cocolu", timezone: "America/Mexico_City" } });
}

function said(content: OutboundContent): string {
  switch (content.type) {
    case "text":
      return content.body;
    case "media":
      return `[${content.kind} ${content.url}${content.caption ? ` ${content.caption}` : ""}]`;
    case "buttons":
      return `${content.body} [${content.buttons.map((b) => b.title).join("|")}]`;
    case "list":
      return `${content.body} [${content.sections.flatMap((s) => s.rows.map((r) => r.title)).join("|")}]`;
  }
}

/** Each turn's replies as text. */
const replies = (result: SimulationResult) => result.turns.map((turn) => turn.replies.map(said));

const end = { kind: "end" };

describe("steps", () => {
  it("message: renders variables and built-ins, then goes on", () => {
    const result = talk(flow({ a: { kind: "message", text: "Hola {{contact.first_name}}, son las {{now.time}} en {{tenant.name}}", next: "b" }, b: { kind: "message", text: "Segundo", next: "z" }, z: end }), [text("hola")]);
    expect(replies(result)).toEqual([["Hola Ana, son las 09:00 en Cocolu", "Segundo"]]);
    expect(result.step).toBeNull();
  });

  it("media: sends the file by URL with its caption", () => {
    const result = talk(flow({ a: { kind: "media", mediaType: "document", url: "https://cdn.example.com/catalogo.pdf", caption: "Catálogo de {{contact.first_name}}", filename: "c.pdf", next: "z" }, z: end }), [text("hola")]);
    expect(result.turns[0]?.replies[0]).toEqual({ type: "media", kind: "document", url: "https://cdn.example.com/catalogo.pdf", caption: "Catálogo de Ana", filename: "c.pdf" });
  });

  const buttons = {
    a: { kind: "buttons", text: "¿Seguimos?", retryMessage: "Toca un botón", maxRetries: 1, onFail: "fallo", buttons: [{ id: "si", title: "Sí", next: "yes" }, { id: "no", title: "No", next: "nope" }] },
    yes: { kind: "end", message: "dijo sí" },
    nope: { kind: "end", message: "dijo no" },
    fallo: { kind: "end", message: "sin respuesta" },
  };
  it.each([
    ["a tap on the button", tap("no"), "dijo no"],
    ["its title typed, accents and case aside", text("SI"), "dijo sí"],
    ["its number", text("2"), "dijo no"],
    ["its number as a keycap emoji", text("1️⃣"), "dijo sí"],
  ])("buttons: %s chooses it", (_, answer, expected) => {
    expect(replies(talk(flow(buttons), [text("hola"), answer]))).toEqual([["¿Seguimos? [Sí|No]"], [expected]]);
  });

  it("buttons: another answer re-asks with the retry message, then goes to onFail", () => {
    expect(replies(talk(flow(buttons), [text("hola"), text("quizás"), text("tal vez")]))).toEqual([["¿Seguimos? [Sí|No]"], ["Toca un botón [Sí|No]"], ["sin respuesta"]]);
  });

  it("buttons without onFail stop re-asking and keep waiting for a valid answer", () => {
    const steps = { ...buttons, a: { ...buttons.a, onFail: undefined } };
    const result = talk(flow(steps), [text("hola"), text("x"), text("y"), text("z"), tap("si")]);
    expect(replies(result)).toEqual([["¿Seguimos? [Sí|No]"], ["Toca un botón [Sí|No]"], [], [], ["dijo sí"]]);
  });

  it("list: a row chooses its step", () => {
    const result = talk(
      flow({
        a: { kind: "list", text: "Elige", buttonLabel: "Ver", sections: [{ title: "Joyas", rows: [{ id: "anillos", title: "Anillos", next: "b" }] }, { title: "Otros", rows: [{ id: "relojes", title: "Relojes", next: "c" }] }] },
        b: { kind: "end", message: "anillos" },
        c: { kind: "end", message: "relojes" },
      }),
      [text("hola"), tap("relojes")],
    );
    expect(replies(result)).toEqual([["Elige [Anillos|Relojes]"], ["relojes"]]);
    expect(result.turns[0]?.replies[0]).toMatchObject({ type: "list", button: "Ver", sections: [{ title: "Joyas" }, { title: "Otros" }] });
  });

  it("list and buttons: a typed number, a keycap emoji, a title or a synonym (accents, case, one typo) chooses; other words re-ask", () => {
    const menu = flow({
      a: {
        kind: "list",
        text: "Menú",
        buttonLabel: "Ver",
        retryMessage: "No te entendí",
        maxRetries: 9,
        sections: [{ rows: [{ id: "asesor", title: "Hablar con asesor", synonyms: ["vendedor", "asesora"], next: "b" }, { id: "catalogo", title: "Catálogo", synonyms: ["productos", "catalogo"], next: "c" }] }],
      },
      b: { kind: "end", message: "asesor" },
      c: { kind: "end", message: "catálogo" },
    });
    const chosen = (typed: string) => replies(talk(menu, [text("hola"), text(typed)]))[1];
    expect(chosen("2")).toEqual(["catálogo"]);
    expect(chosen("2️⃣")).toEqual(["catálogo"]);
    expect(chosen("CATÁLOGO")).toEqual(["catálogo"]);
    expect(chosen("Vendedor")).toEqual(["asesor"]);
    expect(chosen("prodcutos")).toEqual(["catálogo"]);
    expect(chosen("zapatos")).toEqual(["No te entendí [Hablar con asesor|Catálogo]"]);
    const buttons = flow({ a: { kind: "buttons", text: "¿Te atendieron?", buttons: [{ id: "si", title: "Sí", synonyms: ["claro"], next: "b" }, { id: "no", title: "No", synonyms: ["nadie"], next: "c" }] }, b: { kind: "end", message: "sí" }, c: { kind: "end", message: "no" } });
    expect(replies(talk(buttons, [text("hola"), text("nadie")]))[1]).toEqual(["no"]);
    expect(replies(talk(buttons, [text("hola"), text("si")]))[1]).toEqual(["sí"]);
  });

  const question = (validation: unknown) =>
    flow({
      q: { kind: "question", text: "¿Dato?", variable: "dato", validation, retryMessage: "Otra vez", maxRetries: 1, onFail: "fallo", next: "ok" },
      ok: { kind: "end", message: "Guardé {{dato}}" },
      fallo: { kind: "end", message: "Me rindo" },
    });
  it.each([
    ["options by value", { type: "options", options: [{ value: "oro" }, { value: "plata", synonyms: ["silver"] }] }, "Oro", "Guardé oro"],
    ["options by synonym", { type: "options", options: [{ value: "oro" }, { value: "plata", synonyms: ["silver"] }] }, "silver", "Guardé plata"],
    ["options with a typo in a long word", { type: "options", options: [{ value: "catalogo" }] }, "catalgo", "Guardé catalogo"],
    ["options by keycap synonym", { type: "options", options: [{ value: "uno", synonyms: ["1"] }] }, "1️⃣", "Guardé uno"],
    ["a number in range", { type: "number", min: 1, max: 10, integer: true }, "3", "Guardé 3"],
    ["a decimal with a comma", { type: "number", min: 0 }, "2,5", "Guardé 2.5"],
    ["a regex", { type: "regex", pattern: "^\\d{5}$" }, "06700", "Guardé 06700"],
    ["an email", { type: "email" }, "Ana@Example.COM", "Guardé ana@example.com"],
    ["a phone", { type: "phone" }, "+52 (55) 1234-5678", "Guardé +525512345678"],
    ["text within length", { type: "text", minLength: 2, maxLength: 10 }, "  anillo ", "Guardé anillo"],
  ])("question: accepts %s", (_, validation, answer, expected) => {
    expect(replies(talk(question(validation), [text("hola"), text(answer)]))).toEqual([["¿Dato?"], [expected]]);
  });

  it.each([
    ["an unknown option", { type: "options", options: [{ value: "oro" }] }, "cobre"],
    ["a short word one letter off (no typo forgiveness under 5 letters)", { type: "options", options: [{ value: "oro" }] }, "orp"],
    ["a number out of range", { type: "number", min: 1, max: 10 }, "11"],
    ["a fraction where an integer is asked", { type: "number", integer: true }, "1.5"],
    ["not a number", { type: "number" }, "tres"],
    ["a regex mismatch", { type: "regex", pattern: "^\\d{5}$" }, "0670"],
    ["a bad email", { type: "email" }, "ana@"],
    ["a short phone", { type: "phone" }, "12345"],
    ["text too long", { type: "text", maxLength: 3 }, "anillo"],
  ])("question: refuses %s, re-asks, then goes to onFail", (_, validation, answer) => {
    expect(replies(talk(question(validation), [text("hola"), text(answer), text(answer)]))).toEqual([["¿Dato?"], ["Otra vez"], ["Me rindo"]]);
  });

  it("decision: the first true condition wins, else the default", () => {
    const loaded = flow({
      q: { kind: "question", text: "¿Cuántas?", variable: "n", validation: { type: "number" }, onFail: "z", next: "d" },
      d: { kind: "decision", conditions: [{ when: { ">": [{ var: "n" }, 10] }, next: "muchas" }, { when: { ">": [{ var: "n" }, 5] }, next: "varias" }], default: "pocas" },
      muchas: { kind: "end", message: "muchas" },
      varias: { kind: "end", message: "varias" },
      pocas: { kind: "end", message: "pocas" },
      z: end,
    });
    expect(replies(talk(loaded, [text("hola"), text("20")]))[1]).toEqual(["muchas"]);
    expect(replies(talk(loaded, [text("hola"), text("7")]))[1]).toEqual(["varias"]);
    expect(replies(talk(loaded, [text("hola"), text("1")]))[1]).toEqual(["pocas"]);
  });

  it("set: literal values with templates, and expressions over earlier assignments", () => {
    const result = talk(flow({ s: { kind: "set", assignments: [{ variable: "saludo", value: "hola {{contact.first_name}}" }, { variable: "n", value: 4 }, { variable: "doble", expression: { "*": [{ var: "n" }, 2] } }], next: "w" }, w: { kind: "wait", seconds: 60, next: "z", onReply: "z" }, z: end }), [text("hola")]);
    expect(result.variables).toEqual({ saludo: "hola Ana", n: 4, doble: 8 });
  });

  it("action: its result is stored and branched on; a failure follows onError with error.code", () => {
    const loaded = flow({
      a: { kind: "action", action: "sellers.assign", input: {}, resultVariable: "vendedora", next: "b", onError: "e" },
      b: { kind: "message", text: "Te atiende {{vendedora.name}}", next: "c" },
      c: { kind: "action", action: "orders.get", input: { number: "{{contact.name}}" }, next: "z", onError: "e" },
      e: { kind: "end", message: "falló: {{error.code}}" },
      z: end,
    });
    const result = talk(loaded, [text("hola")]);
    expect(replies(result)).toEqual([["Te atiende Ana", "falló: action_input_invalid"]]);
    expect(result.turns[0]?.calls).toEqual([{ step: "a", kind: "action", name: "sellers.assign" }, { step: "c", kind: "action", name: "orders.get" }]);
  });

  it("delay: pauses, holds the contact's messages, and handles them in order after it", () => {
    const loaded = flow({
      a: { kind: "message", text: "Uno", next: "d" },
      d: { kind: "delay", seconds: 5, next: "b" },
      b: { kind: "question", text: "¿Nombre?", variable: "nombre", validation: { type: "text" }, onFail: "z", next: "c" },
      c: { kind: "end", message: "Gracias {{nombre}}" },
      z: end,
    });
    const result = talk(loaded, [text("hola"), text("Luisa"), advance(5)]);
    expect(replies(result)).toEqual([["Uno"], [], ["¿Nombre?", "Gracias Luisa"]]);
  });

  it("wait: fires after its time unless the contact writes first, whose message the onReply step then handles", () => {
    const loaded = flow({
      a: { kind: "message", text: "Te escribo en 15 min", next: "w" },
      w: { kind: "wait", seconds: 900, next: "pregunta", onReply: "respuesta" },
      pregunta: { kind: "buttons", text: "¿Te atendieron?", buttons: [{ id: "si", title: "Sí", next: "z" }, { id: "no", title: "No", next: "z" }] },
      respuesta: { kind: "question", text: "¿Qué buscas?", variable: "busca", validation: { type: "text" }, onFail: "z", next: "fin" },
      fin: { kind: "end", message: "Busco {{busca}}" },
      z: end,
    });
    expect(replies(talk(loaded, [text("hola"), advance(899)]))).toEqual([["Te escribo en 15 min"]]);
    expect(replies(talk(loaded, [text("hola"), advance(900)]))).toEqual([["Te escribo en 15 min"], ["¿Te atendieron? [Sí|No]"]]);
    const early = talk(loaded, [text("hola"), text("un anillo"), advance(3600)]);
    expect(replies(early)).toEqual([["Te escribo en 15 min"], ["Busco un anillo"]]);
    expect(early.timers).toEqual([]);
  });

  it("goto: a step of the flow, or another flow from its start", () => {
    const otro = { schemaVersion: 1, id: "otro", name: "Otro", start: "x", triggers: [], steps: { x: { kind: "end", message: "en otro flujo" } } };
    const loaded = flow({ a: { kind: "goto", step: "b" }, b: { kind: "goto", flow: "otro" } });
    const result = talk(loaded, [text("hola")], { flows: { otro } });
    expect(replies(result)).toEqual([["en otro flujo"]]);
    expect(result.turns[0]?.steps).toEqual(["a", "b", "x"]);
  });

  it("goto a flow that is not there ends the conversation with an error event", () => {
    const result = talk(flow({ a: { kind: "goto", flow: "otro" } }), [text("hola")]);
    expect(result.turns[0]?.events).toEqual(["conversation.started", "error", "conversation.ended"]);
    expect(result.step).toBeNull();
  });

  it("handoff: the bot pauses for the contact until its timeout, then resumes where the flow says", () => {
    const loaded = flow({
      h: { kind: "handoff", message: "Te paso con una persona", timeoutSeconds: 3600, next: "m" },
      m: { kind: "question", text: "¿Algo más?", variable: "mas", validation: { type: "text" }, onFail: "z", next: "z" },
      z: end,
    });
    const result = talk(loaded, [text("hola"), text("¿hay alguien?"), text("hola"), advance(3600)]);
    expect(replies(result)).toEqual([["Te paso con una persona"], [], [], ["¿Algo más?"]]);
    expect(result.turns[0]?.events).toEqual(["conversation.started", "handoff.requested"]);
    expect(result.paused).toBe(false);
  });

  it("end: a later message starts a new conversation through the triggers", () => {
    const loaded = flow({ a: { kind: "set", assignments: [{ variable: "x", value: 1 }], next: "z" }, z: { kind: "end", message: "adiós" } });
    const result = talk(loaded, [text("hola"), text("otra cosa"), text("hola")]);
    expect(replies(result)).toEqual([["adiós"], [], ["adiós"]]);
    expect(result.turns.map((t) => t.events)).toEqual([
      ["conversation.started", "conversation.ended"],
      [],
      ["conversation.started", "conversation.ended"],
    ]);
  });
});

describe("triggers", () => {
  const loaded = flow(
    {
      inicio: { kind: "question", text: "Menú", variable: "op", validation: { type: "options", options: [{ value: "1" }] }, onFail: "z", next: "z" },
      catalogo: { kind: "message", text: "Catálogo", next: "inicio" },
      foto: { kind: "message", text: "Linda foto", next: "inicio" },
      mapa: { kind: "message", text: "Gracias por tu ubicación", next: "inicio" },
      pedido: { kind: "message", text: "Tu pedido", next: "inicio" },
      nuevo: { kind: "message", text: "¡Bienvenida!", next: "inicio" },
      z: end,
    },
    [
      { type: "first_contact", target: "nuevo" },
      { type: "keyword", keywords: ["buenas tardes", "hola"] },
      { type: "keyword", keywords: ["catalogo"], target: "catalogo", global: true },
      { type: "regex", pattern: "^pedido\\s*#?\\d+$", flags: "i", target: "pedido" },
      { type: "media", mediaTypes: ["image"], target: "foto", global: true },
      { type: "location", target: "mapa" },
      { type: "payload", payloads: ["promo_navidad"], target: "catalogo" },
    ],
  );

  const first = (inputs: SimulatedInput[]) => replies(talk(loaded, inputs))[0];

  it("first contact greets a contact the bot never saw", () => {
    expect(first([text("qué tal")])).toEqual(["¡Bienvenida!", "Menú"]);
  });

  function returning(input: Parameters<typeof runTurn>[0]["input"]): string[] {
    const turn = runTurn({ state: null, flow: null, entry: loaded, resolveFlow: () => undefined, input, entryId: "e1", context: { now: 0, contact: { phone: "1", isNew: false }, bot: {}, tenant: { timezone: "UTC" } } });
    if (turn.status !== "done") throw new Error("unexpected call");
    return turn.effects.flatMap((effect) => (effect.type === "send" ? [said(effect.content)] : []));
  }

  it.each([
    ["a keyword, case and accents aside", { type: "message", kind: "text", text: "¡BUENAS TÁRDES!" }, ["Menú"]],
    ["a keyword with one typo in a long word", { type: "message", kind: "text", text: "catalgo" }, ["Catálogo", "Menú"]],
    ["a regex", { type: "message", kind: "text", text: "Pedido #123" }, ["Tu pedido", "Menú"]],
    ["an image", { type: "message", kind: "media", text: "", mediaType: "image" }, ["Linda foto", "Menú"]],
    ["a location", { type: "message", kind: "location", text: "", latitude: 19.4, longitude: -99.1 }, ["Gracias por tu ubicación", "Menú"]],
    ["a template button's payload", { type: "message", kind: "button", text: "Ver promo", payload: "promo_navidad" }, ["Catálogo", "Menú"]],
  ] as const)("a returning contact starts with %s", (_, input, expected) => {
    expect(returning(input)).toEqual(expected);
  });

  it("nothing starts on a message no trigger matches, and nothing is stored", () => {
    expect(returning({ type: "message", kind: "text", text: "xyz" })).toEqual([]);
    const turn = runTurn({ state: null, flow: null, entry: loaded, resolveFlow: () => undefined, input: { type: "message", kind: "text", text: "xyz" }, entryId: "e1", context: { now: 0, contact: { phone: "1", isNew: false }, bot: {}, tenant: { timezone: "UTC" } } });
    expect(turn).toMatchObject({ status: "done", state: null, effects: [] });
  });

  it("a video does not fire a trigger for images", () => {
    expect(returning({ type: "message", kind: "media", text: "", mediaType: "video" })).toEqual([]);
  });

  it("a global intent applies from a waiting step and keeps the variables", () => {
    const withVars = flow(
      {
        a: { kind: "set", assignments: [{ variable: "nombre", value: "Ana" }], next: "q" },
        q: { kind: "question", text: "¿Talla?", variable: "talla", validation: { type: "number" }, onFail: "z", next: "z" },
        menu: { kind: "message", text: "Menú para {{nombre}}", next: "q" },
        z: end,
      },
      [{ type: "keyword", keywords: ["hola"] }, { type: "keyword", keywords: ["menu", "0"], target: "menu", global: true }],
    );
    const result = talk(withVars, [text("hola"), text("Menú"), text("0")]);
    expect(replies(result)).toEqual([["¿Talla?"], ["Menú para Ana", "¿Talla?"], ["Menú para Ana", "¿Talla?"]]);
    expect(result.variables).toEqual({ nombre: "Ana" });
  });

  it("words inside a free-text answer fire no global intent, but the whole message still does; other steps are interrupted by words", () => {
    const shop = flow(
      {
        q: { kind: "question", text: "¿Dirección?", variable: "direccion", validation: { type: "text" }, onFail: "z", next: "n" },
        n: { kind: "question", text: "¿Cuántos?", variable: "cantidad", validation: { type: "number" }, onFail: "z", next: "z" },
        anillos: { kind: "end", message: "Anillos" },
        menu: { kind: "end", message: "Menú" },
        z: { kind: "end", message: "Listo: {{direccion}}" },
      },
      [{ type: "keyword", keywords: ["hola"], target: "q" }, { type: "keyword", keywords: ["anillo"], match: "word", target: "anillos", global: true }, { type: "keyword", keywords: ["menu"], target: "menu", global: true }],
    );
    expect(replies(talk(shop, [text("hola"), text("Anillo Periférico 4000")]))[1]).toEqual(["¿Cuántos?"]);
    expect(replies(talk(shop, [text("hola"), text("menú")]))[1]).toEqual(["Menú"]);
    expect(replies(talk(shop, [text("hola"), text("Reforma 10"), text("un anillo")]))[2]).toEqual(["Anillos"]);
  });

  it("a named timer fires its timer trigger", () => {
    const timed = flow({ a: { kind: "end", message: "hola" }, recordatorio: { kind: "end", message: "¿Sigues ahí?" } }, [{ type: "keyword", keywords: ["hola"] }, { type: "timer", timer: "recordatorio", target: "recordatorio" }]);
    const turn = runTurn({ state: null, flow: null, entry: timed, resolveFlow: () => undefined, input: { type: "timer", timerId: "x", name: "recordatorio" }, entryId: "e1", context: { now: 0, contact: { phone: "1", isNew: false }, bot: {}, tenant: { timezone: "UTC" } } });
    expect(turn.status === "done" && turn.effects.flatMap((e) => (e.type === "send" ? [said(e.content)] : []))).toEqual(["¿Sigues ahí?"]);
  });
});

describe("BuilderBot's known failures do not happen here", () => {
  it("a capture with a fallback keeps waiting at the capture and accepts the next valid answer", () => {
    const loaded = flow({
      q: { kind: "question", text: "¿Cuántas piezas?", variable: "n", validation: { type: "number", min: 1 }, retryMessage: "Dime un número", maxRetries: 5, onFail: "z", next: "ok" },
      ok: { kind: "end", message: "{{n}} piezas" },
      z: end,
    });
    expect(replies(talk(loaded, [text("hola"), text("muchas"), text("no sé"), text("3")]))).toEqual([["¿Cuántas piezas?"], ["Dime un número"], ["Dime un número"], ["3 piezas"]]);
  });

  it("a goto inside a capture lands on the target step and waits there", () => {
    const loaded = flow({
      q: { kind: "question", text: "¿Sí o no?", variable: "r", validation: { type: "options", options: [{ value: "si" }, { value: "no" }] }, onFail: "z", next: "d" },
      d: { kind: "decision", conditions: [{ when: { "==": [{ var: "r" }, "no"] }, next: "volver" }], default: "ok" },
      volver: { kind: "goto", step: "otra" },
      otra: { kind: "question", text: "¿Por qué no?", variable: "porque", validation: { type: "text" }, onFail: "z", next: "fin" },
      fin: { kind: "end", message: "Entiendo: {{porque}}" },
      ok: { kind: "end", message: "¡Bien!" },
      z: end,
    });
    expect(replies(talk(loaded, [text("hola"), text("no"), text("muy caro")]))).toEqual([["¿Sí o no?"], ["¿Por qué no?"], ["Entiendo: muy caro"]]);
  });

  it("nested gotos (step → step → flow → step) run to the end in one turn", () => {
    const sub = { schemaVersion: 1, id: "otro", name: "Sub", start: "s1", triggers: [], steps: { s1: { kind: "goto", step: "s2" }, s2: { kind: "end", message: "llegué" } } };
    const result = talk(flow({ a: { kind: "goto", step: "b" }, b: { kind: "goto", step: "c" }, c: { kind: "goto", flow: "otro" } }), [text("hola")], { flows: { otro: sub } });
    expect(result.turns[0]?.steps).toEqual(["a", "b", "c", "s1", "s2"]);
    expect(replies(result)).toEqual([["llegué"]]);
  });

  it("fast repeated messages each get their own turn, in order, each answered once", () => {
    const loaded = flow({ q: { kind: "question", text: "¿Palabra?", variable: "p", validation: { type: "text" }, onFail: "q2", next: "r" }, r: { kind: "message", text: "dijiste {{p}}", next: "q" }, q2: end });
    const result = talk(loaded, [text("hola"), text("uno"), text("dos"), text("tres")]);
    expect(replies(result)).toEqual([["¿Palabra?"], ["dijiste uno", "¿Palabra?"], ["dijiste dos", "¿Palabra?"], ["dijiste tres", "¿Palabra?"]]);
  });

  it("a wait set after a fallback still fires", () => {
    const loaded = flow({
      q: { kind: "question", text: "¿Correo?", variable: "email", validation: { type: "email" }, retryMessage: "Correo inválido", onFail: "z", next: "w" },
      w: { kind: "wait", seconds: 600, next: "seguimiento", onReply: "z" },
      seguimiento: { kind: "end", message: "¿Recibiste el correo?" },
      z: end,
    });
    expect(replies(talk(loaded, [text("hola"), text("nope"), text("ana@example.com"), advance(600)]))).toEqual([["¿Correo?"], ["Correo inválido"], [], ["¿Recibiste el correo?"]]);
  });
});

describe("turns", () => {
  const base = (loaded: LoadedFlow, input: TurnRequest["input"], state: TurnRequest["state"] = null): TurnRequest => ({
    state,
    flow: state ? loaded : null,
    entry: loaded,
    resolveFlow: () => undefined,
    input,
    entryId: "entry-1",
    context: { now: 1_000_000, contact: { phone: "5215512345678", name: "Ana", isNew: false }, bot: {}, tenant: { timezone: "UTC" } },
  });

  it("stops at an action with the rendered input and goes on with its result", () => {
    const loaded = flow({
      q: { kind: "question", text: "¿Qué buscas?", variable: "consulta", validation: { type: "text" }, onFail: "z", next: "buscar" },
      buscar: { kind: "action", action: "catalogue.search", input: { query: { var: "consulta" }, limit: 3 }, resultVariable: "r", timeoutMs: 2000, next: "m", onError: "z" },
      m: { kind: "end", message: "{{#r.items}}{{name}}: {{price}}\n{{/r.items}}" },
      z: end,
    });
    const first = runTurn(base(loaded, { type: "message", kind: "text", text: "hola" }));
    if (first.status !== "done" || !first.state) throw new Error("expected a stored state");
    const second = runTurn(base(loaded, { type: "message", kind: "text", text: "anillo de oro" }, first.state));
    expect(second).toMatchObject({ status: "call", call: { kind: "action", action: "catalogue.search", input: { query: "anillo de oro", limit: 3 }, timeoutMs: 2000 } });
    if (second.status !== "call") return;
    const done: Turn = resume(second.suspension, { ok: true, value: { items: [{ name: "Anillo", price: "$10" }, { name: "Aretes", price: "$5" }] } });
    expect(done.status === "done" && done.effects).toEqual([
      { type: "send", content: { type: "text", body: "Anillo: $10\nAretes: $5\n" } },
      { type: "event", name: "conversation.ended", attributes: { reason: "end", flow: "test" } },
    ]);
    expect(() => resume(second.suspension, { ok: true, value: null })).toThrow("already resumed");
  });

  it("an http step gets a percent-encoded URL, its headers and body, and maps the answer by JSON pointer", () => {
    const loaded = flow({
      q: { kind: "question", text: "¿Pedido?", variable: "pedido", validation: { type: "text" }, onFail: "z", next: "h" },
      h: { kind: "http", method: "POST", url: "https://api.shop.example/orders/{{pedido}}?from={{contact.phone}}", headers: [{ name: "X-Shop", value: "{{tenant.name}}" }, { name: "Authorization", secret: "CRM_TOKEN", prefix: "Bearer " }], body: { pedido: { var: "pedido" }, nota: "de {{contact.name}}" }, timeoutMs: 3000, response: { statusVariable: "status", map: [{ variable: "estado", pointer: "/data/status" }, { variable: "primero", pointer: "/data/items/0" }] }, next: "m", onError: "e" },
      m: { kind: "end", message: "Estado: {{estado}} ({{status}})" },
      e: { kind: "end", message: "Error {{error.code}}" },
      z: end,
    });
    const first = runTurn(base(loaded, { type: "message", kind: "text", text: "hola" }));
    if (first.status !== "done" || !first.state) throw new Error("expected a stored state");
    const second = runTurn(base(loaded, { type: "message", kind: "text", text: "A/1 2" }, first.state));
    expect(second).toMatchObject({
      status: "call",
      call: { kind: "http", method: "POST", url: "https://api.shop.example/orders/A%2F1%202?from=%2B5215512345678", headers: [{ name: "X-Shop", value: "" }, { name: "Authorization", secret: "CRM_TOKEN", prefix: "Bearer " }], body: { pedido: "A/1 2", nota: "de Ana" } },
    });
    if (second.status !== "call") return;
    const ok = resume(second.suspension, { ok: true, status: 201, value: { data: { status: "enviado", items: ["x"] } } });
    expect(ok.status === "done" && ok.state?.vars).toEqual({ pedido: "A/1 2", status: 201, estado: "enviado", primero: "x" });
    const again = runTurn(base(loaded, { type: "message", kind: "text", text: "B" }, first.state));
    if (again.status !== "call") throw new Error("expected a call");
    const failed = resume(again.suspension, { ok: false, code: "timeout", message: "no answer in 3000 ms" });
    expect(failed.status === "done" && failed.effects[0]).toEqual({ type: "send", content: { type: "text", body: "Error timeout" } });
  });

  it("never modifies the state it is given", () => {
    const loaded = flow({ q: { kind: "question", text: "¿Dato?", variable: "d", validation: { type: "text" }, onFail: "z", next: "w" }, w: { kind: "wait", seconds: 60, next: "z", onReply: "z" }, z: end });
    const first = runTurn(base(loaded, { type: "message", kind: "text", text: "hola" }));
    if (first.status !== "done" || !first.state) throw new Error("expected a stored state");
    const frozen = structuredClone(first.state);
    runTurn(base(loaded, { type: "message", kind: "text", text: "algo" }, first.state));
    expect(first.state).toEqual(frozen);
  });

  it("schedules a timer named after the conversation and cancels it when the contact writes first", () => {
    const loaded = flow({ a: { kind: "wait", seconds: 60, next: "z", onReply: "r" }, r: { kind: "end", message: "respondiste" }, z: end });
    const first = runTurn(base(loaded, { type: "message", kind: "text", text: "hola" }));
    if (first.status !== "done" || !first.state) throw new Error("expected a stored state");
    expect(first.effects).toContainEqual({ type: "schedule_timer", timer: { id: "entry-1:t1", purpose: "wait", dueAt: 1_000_000 + 60_000 } });
    const second = runTurn(base(loaded, { type: "message", kind: "text", text: "ya" }, first.state));
    expect(second.status === "done" && second.effects[0]).toEqual({ type: "cancel_timer", timerId: "entry-1:t1" });
    const stale = runTurn(base(loaded, { type: "timer", timerId: "other:t9" }, first.state));
    expect(stale).toMatchObject({ status: "done", effects: [] });
  });

  it("staff resuming a paused conversation continues at the hand-off's next step", () => {
    const loaded = flow({ h: { kind: "handoff", timeoutSeconds: 600, next: "m" }, m: { kind: "end", message: "el bot volvió" } });
    const first = runTurn(base(loaded, { type: "message", kind: "text", text: "hola" }));
    if (first.status !== "done" || !first.state) throw new Error("expected a stored state");
    expect(first.effects).toContainEqual({ type: "pause", until: 1_000_000 + 600_000, step: "h" });
    const resumed = runTurn(base(loaded, { type: "resume" }, first.state));
    expect(resumed.status === "done" && resumed.effects.map((e) => e.type)).toEqual(["cancel_timer", "resume", "send", "event"]);
  });

  it("answers malformed input with an error event instead of throwing", () => {
    const loaded = flow({ a: end });
    const turn = runTurn(base(loaded, { type: "message", kind: "nonsense" } as unknown as TurnRequest["input"]));
    expect(turn).toMatchObject({ status: "done", effects: [{ type: "event", name: "error", attributes: { code: "input_invalid" } }] });
  });

  it("stops a runaway chain of flows that goto each other", () => {
    const a: FlowDocument = { schemaVersion: 1, id: "a", name: "A", start: "x", triggers: [{ type: "keyword", keywords: ["hola"] }], steps: { x: { kind: "goto", flow: "b" } } };
    const b: FlowDocument = { schemaVersion: 1, id: "b", name: "B", start: "y", triggers: [], steps: { y: { kind: "goto", flow: "a" } } };
    const flows: Record<string, LoadedFlow> = { a: { id: "fa", version: 1, document: a }, b: { id: "fb", version: 1, document: b } };
    const turn = runTurn({ ...base(flows.a as LoadedFlow, { type: "message", kind: "text", text: "hola" }), resolveFlow: (slug) => flows[slug] });
    expect(turn.status === "done" && turn.effects.filter((e) => e.type === "event").map((e) => (e.type === "event" ? e.attributes.code ?? e.name : ""))).toEqual(["conversation.started", "step_budget_exceeded", "conversation.ended"]);
  });

  it("runs the documented shop flow: menu, catalogue search, follow-up after 20 minutes", () => {
    const loaded: LoadedFlow = { id: "f", version: 3, document: shopMenuFlow as FlowDocument };
    const result = talk(loaded, [text("hola"), text("2"), text("anillo de oro"), advance(1200), tap("interes_no")]);
    expect(replies(result)).toEqual([
      ["¡Hola Ana! 👋 Bienvenida a Cocolu Joyería 💍", expect.stringContaining("¿En qué te ayudo?")],
      ["[document https://cocolu.example/catalogo.pdf Nuestro catálogo ✨]", expect.stringContaining("¿Qué pieza buscas?")],
      ["Encontré esto para «anillo de oro»:\n• Anillo de oro: $1,200\n"],
      ["¿Te interesó alguna pieza? [Sí, me interesa|No, gracias]"],
      ["¡Gracias por escribirnos, Ana! 💛"],
    ]);
  });
});
