// The actions the shop's flows call, by name: what each accepts (checked before it runs) and what it
// answers (the `example` is what a simulation returns, and the shape the flows read). The runners
// are in the files of each family (customers, sellers, catalogue, orders, shop, staff); this file
// is the contract between them and the flows, so flows can be written and validated against it.
// Texts the customer will read (prices, statuses, hours) come back already written in `language`.
import { z } from "zod";
import type { ActionDefinition, JsonValue } from "../language/index.js";

export const Language = z.enum(["es", "en"]);
export type Language = z.infer<typeof Language>;

/** Why a seller is alerted: the dashboard and the seller's WhatsApp message say it. */
export const AlertReason = z.enum(["adviser", "catalogue_interest", "product_interest", "order", "problem", "not_attended"]);
export type AlertReason = z.infer<typeof AlertReason>;

const sellerExample = { id: "6f1c2b9e-2c1e-4a8e-9d3b-0b5d8f6a7c10", name: "Lucía", phone: "+5215511112222", wa_link: "https://wa.me/5215511112222" };
const productExample = {
  n: 1,
  id: "0d9a6c1e-7b2f-4c55-9f0e-2a1b3c4d5e6f",
  sku: "AN-ORO-01",
  name: "Anillo de oro 14k",
  category: "anillos",
  price_text: "$2,450.00",
  image: "https://example.com/anillo.jpg",
  in_stock: true,
  stock: 4,
};

/** A number as the contact typed it or as a variable holds it. */
const Count = z.union([z.number(), z.string().trim().min(1).max(20)]);

export const actionDefinitions = {
  "customers.identify": {
    description:
      "Records the contact as the shop's customer (created or updated, last contact now) and makes sure they have a seller (assigned now if they had none). `seller` is null when no seller can take them.",
    input: z.strictObject({ name: z.string().max(200).optional() }),
    example: { customer: { id: "b1e2c3d4-0000-4000-8000-000000000001", name: "Ana López", is_new: true }, seller: sellerExample, seller_is_new: true },
  },
  "sellers.alert": {
    description:
      "Alerts the customer's seller (assigned now if they have none): a WhatsApp message from the bot to the seller's number and a notification on the dashboard. Fails with no_seller_available when nobody can take the customer.",
    input: z.strictObject({
      reason: AlertReason,
      priority: z.enum(["normal", "high"]).default("normal"),
      /** What the customer asked for or reported, for the seller. */
      note: z.string().max(500).optional(),
      language: Language,
    }),
    example: { seller: sellerExample, seller_is_new: false, whatsapp_sent: true },
  },
  "sellers.release": {
    description: "The customer was attended: the seller's assignment for them ends (counted as an attended hand-off).",
    input: z.strictObject({ reason: AlertReason.optional() }),
    example: { released: true },
  },
  "sellers.escalate": {
    description:
      "A hand-off nobody attended goes to the supervisors on duty (WhatsApp message and dashboard notification), never to the same seller again. Fails with no_supervisor when the shop has none on duty.",
    input: z.strictObject({ reason: AlertReason, note: z.string().max(500).optional(), language: Language }),
    example: { supervisors: ["Marta"], count: 1 },
  },
  "catalogue.search": {
    description:
      "The products that best match the shopper's words (typos, accents, \"entre 20 y 50\", \"barato\"), numbered from 1. `top` is the first or null; `count` how many.",
    input: z.strictObject({ query: z.string().trim().min(1).max(200), limit: z.number().int().min(1).max(5).default(3), language: Language }),
    example: { count: 1, products: [productExample], top: productExample },
  },
  "catalogue.choose": {
    description: "The product the contact chose by its number among earlier search results. Fails with choice_invalid when the number is not one of them.",
    input: z.strictObject({ products: z.array(z.record(z.string(), z.unknown())).max(10), choice: Count }),
    example: productExample,
  },
  "orders.create": {
    description:
      "Creates the customer's order for one product (stock reserved at once; the same step of the same message never creates two). Fails with out_of_stock when there is not enough.",
    input: z.strictObject({
      product_id: z.string().uuid(),
      quantity: Count,
      delivery: z.enum(["pickup", "delivery"]),
      address: z.string().max(500).optional(),
      notes: z.string().max(500).optional(),
      language: Language,
    }),
    example: { number: "123", total_text: "$4,900.00", status_label: "Pendiente", quantity: 2 },
  },
  "orders.list_mine": {
    description: "The customer's latest orders, newest first, with their status written in `language`.",
    input: z.strictObject({ limit: z.number().int().min(1).max(10).default(3), language: Language }),
    example: { count: 1, orders: [{ number: "123", status_label: "En camino", total_text: "$4,900.00", date: "2026-11-28" }] },
  },
  "shop.hours": {
    description:
      "The shop's opening hours in its time zone: whether it is open now, a sentence saying until when or when it opens next (\"Abrimos mañana a las 9:00\"), and the week's schedule, one line per day.",
    input: z.strictObject({ language: Language }),
    example: { open_now: false, summary: "Ahora estamos cerrados. Abrimos mañana a las 9:00.", schedule: "Lunes: 9:00–19:00\nMartes: 9:00–19:00\nMiércoles: 9:00–19:00\nJueves: 9:00–19:00\nViernes: 9:00–19:00\nSábado: 10:00–14:00\nDomingo: cerrado", time_zone: "America/Mexico_City" },
  },
  "shop.info": {
    description: "The shop's name and its catalogue link from the settings; `catalogue_is_document` when the link is a PDF (sent as a document).",
    input: z.strictObject({}),
    example: { name: "Joyería Ana", catalogue_url: "https://example.com/catalogo.pdf", has_catalogue: true, catalogue_is_document: true },
  },
  "staff.command": {
    description:
      "Runs a staff chat command (pausar / pause <number> [minutes], reanudar / resume <number>, estado / status <number>) when the sender is one of the shop's sellers. Fails with not_staff for anyone else, so a customer's message goes on through the normal flow.",
    input: z.strictObject({ text: z.string().max(500), language: Language }),
    example: { reply: "⏸️ Bot en pausa para +5215512345678 durante 60 min." },
  },
} satisfies Record<string, ActionDefinition & { example: JsonValue }>;

export type ActionName = keyof typeof actionDefinitions;
