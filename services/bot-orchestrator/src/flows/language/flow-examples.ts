// The example flow of docs/flows.md (a jewellery shop's menu → capture → catalogue / fallback),
// with the actions it calls. Tests validate it, so the documented example always activates.
import { z } from "zod";
import type { FlowDocument } from "./flow.schema.js";
import type { ActionRegistry } from "./validate-flow.js";

export const exampleActions: ActionRegistry = {
  "catalogue.search": { input: z.strictObject({ query: z.string().min(1), limit: z.number().int().min(1).max(10) }), description: "Top products for a free-text question." },
  "sellers.assign": { input: z.strictObject({ specialty: z.string().optional() }), description: "Assigns (or returns) the contact's seller." },
  "sellers.release": { input: z.strictObject({ sellerId: z.string() }), description: "Ends the seller's assignment." },
  "notifications.alert_seller": { input: z.strictObject({ sellerId: z.string(), text: z.string().max(1000), priority: z.enum(["normal", "high"]) }) },
};

export const shopMenuFlow = {
  schemaVersion: 1,
  id: "bienvenida",
  name: "Bienvenida y menú",
  start: "saludo",
  triggers: [
    { type: "first_contact" },
    { type: "keyword", keywords: ["hola", "buenas", "buenos dias", "buenas tardes"] },
    { type: "keyword", keywords: ["menu", "0", "inicio"], target: "menu", global: true },
    { type: "keyword", keywords: ["asesor", "humano"], target: "asesor", global: true },
  ],
  steps: {
    saludo: { kind: "message", text: "¡Hola {{contact.first_name}}! 👋 Bienvenida a Cocolu Joyería 💍", next: "menu" },
    menu: {
      kind: "question",
      text: "¿En qué te ayudo?\n1️⃣ Hablar con una asesora\n2️⃣ Ver el catálogo\n3️⃣ Horarios",
      variable: "opcion",
      validation: {
        type: "options",
        options: [
          { value: "asesor", synonyms: ["1", "asesora", "vendedora"] },
          { value: "catalogo", synonyms: ["2", "productos", "precios"] },
          { value: "horario", synonyms: ["3", "horarios", "abierto"] },
        ],
      },
      retryMessage: "No te entendí 🙈 Respóndeme con 1, 2 o 3.",
      maxRetries: 2,
      onFail: "asesor",
      next: "elegir",
    },
    elegir: {
      kind: "decision",
      conditions: [
        { when: { "==": [{ var: "opcion" }, "asesor"] }, next: "asesor" },
        { when: { "==": [{ var: "opcion" }, "catalogo"] }, next: "catalogo" },
      ],
      default: "horario",
    },
    horario: { kind: "message", text: "Abrimos de lunes a sábado, de 10:00 a 19:00 🕙", next: "menu" },
    catalogo: { kind: "media", mediaType: "document", url: "https://cocolu.example/catalogo.pdf", filename: "Catalogo Cocolu.pdf", caption: "Nuestro catálogo ✨", next: "consulta" },
    consulta: {
      kind: "question",
      text: "¿Qué pieza buscas? Por ejemplo: «anillo de plata» o «cadena barata».",
      variable: "consulta",
      validation: { type: "text", minLength: 2, maxLength: 200 },
      retryMessage: "Cuéntame en pocas palabras qué buscas 🙂",
      onFail: "asesor",
      next: "buscar",
    },
    buscar: { kind: "action", action: "catalogue.search", input: { query: { var: "consulta" }, limit: 3 }, resultVariable: "resultados", timeoutMs: 3000, next: "hay_resultados", onError: "asesor" },
    hay_resultados: { kind: "decision", conditions: [{ when: { ">": [{ var: "resultados.count" }, 0] }, next: "mostrar" }], default: "sin_resultados" },
    mostrar: { kind: "message", text: "Encontré esto para «{{consulta}}»:\n{{#resultados.items}}• {{name}}: {{price}}\n{{/resultados.items}}", next: "seguimiento" },
    sin_resultados: { kind: "message", text: "No encontré «{{consulta}}» 😕 Te paso con una asesora.", next: "asesor" },
    seguimiento: { kind: "wait", seconds: 1200, next: "interes", onReply: "consulta" },
    interes: {
      kind: "buttons",
      text: "¿Te interesó alguna pieza?",
      buttons: [
        { id: "interes_si", title: "Sí, me interesa", next: "asesor" },
        { id: "interes_no", title: "No, gracias", next: "fin" },
      ],
    },
    asesor: { kind: "action", action: "sellers.assign", input: {}, resultVariable: "vendedora", next: "asesor_datos", onError: "sin_asesor" },
    asesor_datos: { kind: "message", text: "Te atiende {{vendedora.name}} 💬 https://wa.me/{{vendedora.phone}}", next: "asesor_espera" },
    asesor_espera: { kind: "wait", seconds: 900, next: "atendida", onReply: "atendida" },
    atendida: {
      kind: "buttons",
      text: "¿{{vendedora.name}} te atendió?",
      buttons: [
        { id: "atendida_si", title: "Sí", next: "liberar" },
        { id: "atendida_no", title: "No", next: "alertar" },
      ],
    },
    alertar: {
      kind: "action",
      action: "notifications.alert_seller",
      input: { sellerId: { var: "vendedora.id" }, text: "{{contact.name}} ({{contact.phone}}) dice que no fue atendida", priority: "high" },
      next: "liberar",
      onError: "liberar",
    },
    liberar: { kind: "action", action: "sellers.release", input: { sellerId: { var: "vendedora.id" } }, next: "fin", onError: "fin" },
    sin_asesor: { kind: "handoff", message: "En un momento te escribe alguien del equipo 🙏", timeoutSeconds: 3600, next: "menu" },
    fin: { kind: "end", message: "¡Gracias por escribirnos, {{contact.first_name}}! 💛" },
  },
} satisfies FlowDocument;
