// A shop on a running fleet, opened as its owner would through the public API (nginx → gateway):
// signs up (the shop gets its default flows in its language), sets its hours and language, adds
// sellers and products, and connects a bot on one of the sandbox's spare numbers. Then plays its
// customers: signed Cloud API webhooks in (text, list and button taps), the bot's sends out as the
// sandbox received them, one line of text each.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { buildMessagesWebhook, type InboundMessage } from "@fleet/provider-sandbox";
import { newWamid, postToFleet } from "./customer.js";
import type { FleetBase, SandboxNumber } from "./fleet.js";

export interface ShopSpec {
  slug: string;
  name: string;
  language: "es" | "en";
  /** PATCH /api/settings body (hours, time zone, currency, catalogue link…). */
  settings?: Record<string, unknown>;
  sellers?: { name: string; phone: string; supervisor?: boolean; specialty?: string; maxConcurrentCustomers?: number }[];
  products?: Record<string, unknown>[];
  number: SandboxNumber;
  /** More settings of the bot's Meta provider (e.g. messages_per_second). */
  providerSettings?: Record<string, string>;
}

export interface Shop {
  tenantId: string;
  botId: string;
  phoneNumberId: string;
  token: string;
  /** A call to the gateway's API as the owner. */
  api(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
}

/** The gateway's answer: its status and JSON body (read by the test that asked, which knows its shape). */
export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads the body it asked for
  body: any;
}

async function call(fleet: Pick<FleetBase, "url">, method: string, path: string, body?: unknown, token?: string): Promise<ApiAnswer> {
  const response = await fetch(`${fleet.url}/api${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? null : JSON.parse(text) };
}

function expectStatus(what: string, response: { status: number; body: unknown }, ...statuses: number[]): void {
  if (!statuses.includes(response.status)) throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)}`);
}

export async function openShop(fleet: Pick<FleetBase, "url">, spec: ShopSpec): Promise<Shop> {
  const password = `shop-${randomBytes(12).toString("hex")}`;
  const registered = await call(fleet, "POST", "/auth/register", { tenantName: spec.name, tenantSlug: spec.slug, email: `owner@${spec.slug}.test`, password, displayName: "Owner", language: spec.language });
  expectStatus("register", registered, 201);
  const token = String(registered.body.accessToken);
  const api = (method: string, path: string, body?: unknown) => call(fleet, method, path, body, token);
  if (spec.settings) expectStatus("settings", await api("PATCH", "/settings", spec.settings), 200);
  for (const seller of spec.sellers ?? []) expectStatus(`seller ${seller.name}`, await api("POST", "/sellers", { status: "online", maxConcurrentCustomers: 10, ...seller }), 201);
  for (const product of spec.products ?? []) expectStatus(`product ${String(product["sku"])}`, await api("POST", "/products", product), 201);
  const bot = await api("POST", "/bots", {
    displayName: `${spec.name} bot`,
    providers: [{ kind: "meta", settings: { ...spec.providerSettings, phone_number_id: spec.number.phoneNumberId }, secrets: { access_token: spec.number.accessToken } }],
  });
  expectStatus("create bot", bot, 201);
  return { tenantId: String(registered.body.user.tenantId), botId: String(bot.body.id), phoneNumberId: spec.number.phoneNumberId, token, api };
}

const Media = z.object({ link: z.string().optional(), caption: z.string().optional() });
/** The parts of a Cloud API send the transcript shows. */
const SendBody = z.object({
  type: z.string().optional(),
  text: z.object({ body: z.string() }).optional(),
  interactive: z
    .object({
      type: z.string(),
      body: z.object({ text: z.string() }).optional(),
      action: z.object({
        buttons: z.array(z.object({ reply: z.object({ title: z.string() }) })).optional(),
        sections: z.array(z.object({ rows: z.array(z.object({ title: z.string() })) })).optional(),
      }),
    })
    .optional(),
  image: Media.optional(),
  document: Media.optional(),
  audio: Media.optional(),
  video: Media.optional(),
});

/** One send of the bot as a line of text: its text; a list or buttons with their options; a file with its link. */
export function sendText(body: unknown): string {
  const parsed = SendBody.safeParse(body);
  if (!parsed.success) return JSON.stringify(body);
  const send = parsed.data;
  if (send.text) return send.text.body;
  if (send.interactive) {
    const { action } = send.interactive;
    const options = action.buttons ? action.buttons.map((button) => button.reply.title) : (action.sections ?? []).flatMap((section) => section.rows.map((row) => row.title));
    return `${send.interactive.body?.text ?? ""} [${options.join("|")}]`;
  }
  for (const kind of ["image", "document", "audio", "video"] as const) {
    const media = send[kind];
    if (media) return `(${kind}) ${media.link ?? ""}${media.caption ? ` ${media.caption}` : ""}`;
  }
  return JSON.stringify(body);
}

/** What the sandbox received for a number (a customer, a seller), in order, as lines of text. */
export function sentTo(fleet: Pick<FleetBase, "sandbox">, to: string, phoneNumberId?: string): string[] {
  return fleet.sandbox.store.sent({ to, ...(phoneNumberId ? { phoneNumberId } : {}) }).map((send) => sendText(send.body));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds (polling), or fails naming `what`. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A customer writing to a shop's bot. */
export class ShopCustomer {
  constructor(
    private readonly fleet: Pick<FleetBase, "url" | "appSecret" | "sandbox">,
    private readonly shop: Pick<Shop, "phoneNumberId">,
    readonly phone: string,
    private readonly name = "Ana López",
  ) {}

  /** Everything the bot sent this customer so far. */
  replies(): string[] {
    return sentTo(this.fleet, this.phone, this.shop.phoneNumberId);
  }

  private async post(content: InboundMessage): Promise<void> {
    const payload = buildMessagesWebhook({ phoneNumberId: this.shop.phoneNumberId, displayPhoneNumber: "15550001111" }, [content]);
    const response = await postToFleet(this.fleet, JSON.stringify(payload));
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  }

  /** Sends a message and returns the replies it got once `count` new ones arrived (and nothing more came for a moment). */
  async say(text: string, count = 1, timeoutMs = 15_000): Promise<string[]> {
    return this.send({ from: this.phone, name: this.name, id: newWamid(), text }, count, timeoutMs);
  }

  /** Taps a list row (or a button with `button`), as WhatsApp reports the tap. */
  async tap(id: string, title: string, count = 1, kind: "list" | "button" = "list"): Promise<string[]> {
    const content: InboundMessage = kind === "list" ? { from: this.phone, name: this.name, listReply: { id, title } } : { from: this.phone, name: this.name, buttonReply: { id, title } };
    return this.send(content, count, 15_000);
  }

  /** Waits for `count` more replies without writing (a follow-up). */
  async awaitReplies(count: number, timeoutMs: number): Promise<string[]> {
    const before = this.replies().length;
    await eventually(() => this.replies().length >= before + count, timeoutMs, `${count} more replies to ${this.phone}`);
    await sleep(300);
    return this.replies().slice(before);
  }

  private async send(content: InboundMessage, count: number, timeoutMs: number): Promise<string[]> {
    const before = this.replies().length;
    await this.post(content);
    if (count === 0) {
      await sleep(1500);
      return this.replies().slice(before);
    }
    await eventually(() => this.replies().length >= before + count, timeoutMs, `${count} replies to ${this.phone}`);
    // A turn's replies go out one after another: give the rest of this turn a moment.
    await sleep(400);
    return this.replies().slice(before);
  }
}
