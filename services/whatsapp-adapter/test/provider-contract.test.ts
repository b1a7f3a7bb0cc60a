// One contract, every provider: the same SendMessage calls and the same
// customer actions against each provider's local fake (real HTTP both ways,
// the adapter's webhooks served on a real port) must give the same answers
// and the same stream entries. Where a provider cannot show buttons or lists,
// the contact sees numbered text and answers with a number; the entry that
// comes back is the same button_reply as on a provider that shows buttons.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { ConnectionState, ProviderKind, type MessageContentSchema } from "@fleet/contracts/adapter";
import type { InboundEntry, ProviderKindName } from "@fleet/contracts";
import {
  createD360Sandbox,
  createEvolutionSandbox,
  createTwilioSandbox,
  silentLogger,
  type D360Sandbox,
  type EvolutionSandbox,
  type SandboxRecord,
  type TwilioSandbox,
} from "@fleet/provider-sandbox";
import { freePort, listen, type Listening } from "@fleet/testing";
import { inboundMark, inboundSince, newTenant, rejectionOf, startAdapterHarness, type AdapterHarness, type InboundMark } from "./harness.js";

/** What a provider received, in provider-neutral terms. */
interface SentView {
  text?: string;
  buttons?: string[];
  rows?: string[];
  mediaUrl?: string;
  /** A file sent by the id it was uploaded under. */
  mediaId?: string;
  template?: { ref: string; parameters: string[] };
}

type ErrorClass = "credentials" | "rate_limited" | "unavailable" | "recipient_invalid";

interface Rig {
  name: ProviderKindName;
  kind: ProviderKind;
  /** Provider configuration of a bot on this rig's n-th number. */
  account(n: number): { settings: Record<string, string>; secrets: Record<string, string> };
  /** True when the provider shows buttons and lists itself (no numbered text). */
  showsChoices: boolean;
  /** True when the provider sends approved templates (the others refuse them). */
  sendsTemplates: boolean;
  /** True when the provider takes uploaded files and read receipts (Cloud API providers). */
  uploadsAndReceipts: boolean;
  /** Message ids the provider was told are read. */
  readReceipts?(n: number): string[];
  /** Plays the shop owner after the bot is configured (e.g. linking the phone by QR). */
  afterConfigure?(n: number): void;
  lastSent(n: number, to: string): SentView | undefined;
  fail(n: number, to: string, error: ErrorClass, count: number): void;
  customerText(n: number, from: string, text: string): Promise<void>;
  customerImage(n: number, from: string, caption: string, bytes: Buffer): Promise<void>;
  /** The customer picks `option`, the `index`-th (from 0) of the last choices, the provider's own way. */
  customerChooses(n: number, from: string, option: { id: string; title: string }, index: number): Promise<void>;
}

// Spanish mobiles: no provider rewrites them (Evolution, like WhatsApp Web, drops Mexico's "1" after 52 and adds Brazil's ninth digit).
const CUSTOMER_BASE = 34600000000;
let customerSeq = 0;
const nextCustomer = () => String(CUSTOMER_BASE + ++customerSeq);

const CloudApiBody = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.object({ body: z.string() }) }),
  z.object({ type: z.literal("image"), image: z.object({ link: z.string().optional(), id: z.string().optional(), caption: z.string().optional() }) }),
  z.object({
    type: z.literal("interactive"),
    interactive: z.object({
      type: z.string(),
      body: z.object({ text: z.string() }),
      action: z.object({
        buttons: z.array(z.object({ reply: z.object({ title: z.string() }) })).optional(),
        sections: z.array(z.object({ rows: z.array(z.object({ title: z.string() })) })).optional(),
      }),
    }),
  }),
  z.object({
    type: z.literal("template"),
    template: z.object({ name: z.string(), language: z.object({ code: z.string() }), components: z.array(z.object({ parameters: z.array(z.object({ text: z.string() })) })).optional() }),
  }),
]);

/** A Cloud API message body as the fake recorded it, in provider-neutral terms. */
function cloudApiView(body: unknown): SentView {
  const b = CloudApiBody.parse(body);
  switch (b.type) {
    case "text":
      return { text: b.text.body };
    case "image":
      return { ...(b.image.id ? { mediaId: b.image.id } : { mediaUrl: b.image.link }), ...(b.image.caption ? { text: b.image.caption } : {}) };
    case "interactive": {
      const { action } = b.interactive;
      return action.buttons
        ? { text: b.interactive.body.text, buttons: action.buttons.map((x) => x.reply.title) }
        : { text: b.interactive.body.text, rows: (action.sections ?? []).flatMap((s) => s.rows.map((r) => r.title)) };
    }
    case "template":
      return { template: { ref: `${b.template.name}:${b.template.language.code}`, parameters: (b.template.components?.[0]?.parameters ?? []).map((p) => p.text) } };
  }
}

const lastOf = <T>(list: T[]): T | undefined => list[list.length - 1];
const sentBody = (records: SandboxRecord[]) => lastOf(records.filter((r) => r.outcome === "accepted"))?.body;

let h: AdapterHarness;
let d360: D360Sandbox;
let d360Server: Listening;
let twilio: TwilioSandbox;
let twilioServer: Listening;
let evolution: EvolutionSandbox;
let evolutionServer: Listening;
const rigs: Rig[] = [];

const META_NUMBERS = Array.from({ length: 12 }, (_, i) => String(400000000000100 + i));
const D360_NUMBERS = Array.from({ length: 12 }, (_, i) => String(400000000000200 + i));
const D360_KEYS = D360_NUMBERS.map(() => randomBytes(12).toString("hex"));
const TWILIO_ACCOUNT = `AC${randomBytes(16).toString("hex")}`;
const TWILIO_TOKEN = randomBytes(16).toString("hex");
const TWILIO_NUMBERS = Array.from({ length: 12 }, (_, i) => `+1555000${String(1000 + i)}`);
const TWILIO_TEMPLATE = `HX${randomBytes(16).toString("hex")}`;
const EVOLUTION_KEY = randomBytes(16).toString("hex");
const EVOLUTION_INSTANCES = Array.from({ length: 12 }, (_, i) => `shop-${i}`);

beforeAll(async () => {
  d360 = createD360Sandbox({ apiKeys: Object.fromEntries(D360_KEYS.map((key, i) => [key, D360_NUMBERS[i] ?? ""])), templates: [{ name: "order_update", language: "es_MX", bodyParams: 2 }], logger: silentLogger });
  d360Server = await listen(d360.app);
  // The Twilio fake posts status callbacks to the StatusCallback the adapter sends; customer messages to callbackUrl (set below).
  const twilioPort = await freePort();
  twilio = createTwilioSandbox({ accounts: { [TWILIO_ACCOUNT]: TWILIO_TOKEN }, numbers: TWILIO_NUMBERS, enforceSessionWindow: false, publicBaseUrl: `http://127.0.0.1:${twilioPort}`, logger: silentLogger });
  twilioServer = await listen(twilio.app, twilioPort);
  evolution = createEvolutionSandbox({ globalApiKey: EVOLUTION_KEY, webhookRetry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 }, logger: silentLogger });
  evolutionServer = await listen(evolution.app);
  // No test here provokes a provider timeout: a roomy one keeps a loaded CI host's slow fake (an
  // Evolution instance taking seconds to create) from reading as a provider problem.
  h = await startAdapterHarness({
    phoneNumberIds: META_NUMBERS,
    listen: true,
    config: { OFFICIAL_BASE_URL: d360Server.url, TWILIO_API_BASE_URL: twilioServer.url, EVOLUTION_ALLOWED_HOSTS: "127.0.0.1", PROVIDER_TIMEOUT_MS: "10000" },
    sandbox: { templates: [{ name: "order_update", language: "es_MX", bodyParams: 2 }] },
  });
  const appUrl = h.appUrl ?? "";

  rigs.push(
    {
      name: "meta",
      kind: ProviderKind.META,
      account: (n) => ({ settings: { phone_number_id: META_NUMBERS[n] ?? "" }, secrets: { access_token: h.accessToken } }),
      showsChoices: true,
      sendsTemplates: true,
      uploadsAndReceipts: true,
      readReceipts: (n) => h.sandbox.store.list({ phoneNumberId: META_NUMBERS[n], outcome: "read" }).flatMap((r) => (r.outcome === "read" ? [r.messageId] : [])),
      lastSent: (n, to) => {
        const body = sentBody(h.sandbox.store.list({ phoneNumberId: META_NUMBERS[n], to }));
        return body === undefined ? undefined : cloudApiView(body);
      },
      fail: (n, to, error, count) => {
        const code = { credentials: 190, rate_limited: 130429, unavailable: 131000, recipient_invalid: 131026 }[error];
        h.sandbox.faults.add({ phoneNumberId: META_NUMBERS[n], to, code, count });
      },
      customerText: async (n, from, text) => {
        await h.sandbox.customer.send({ phoneNumberId: META_NUMBERS[n] ?? "", from, content: { text } });
      },
      customerImage: async (n, from, caption, bytes) => {
        await h.sandbox.customer.send({ phoneNumberId: META_NUMBERS[n] ?? "", from, content: { upload: { kind: "image", bytes, mimeType: "image/jpeg", caption } } });
      },
      customerChooses: async (n, from, option) => {
        await h.sandbox.customer.send({ phoneNumberId: META_NUMBERS[n] ?? "", from, content: { buttonReply: option } });
      },
    },
    {
      name: "official",
      kind: ProviderKind.OFFICIAL,
      account: (n) => ({ settings: { phone_number_id: D360_NUMBERS[n] ?? "" }, secrets: { api_key: D360_KEYS[n] ?? "" } }),
      showsChoices: true,
      sendsTemplates: true,
      uploadsAndReceipts: true,
      readReceipts: (n) => d360.store.list({ phoneNumberId: D360_NUMBERS[n], outcome: "read" }).flatMap((r) => (r.outcome === "read" ? [r.messageId] : [])),
      lastSent: (n, to) => {
        const body = sentBody(d360.store.list({ phoneNumberId: D360_NUMBERS[n], to }));
        return body === undefined ? undefined : cloudApiView(body);
      },
      fail: (n, to, error, count) => {
        if (error === "credentials") {
          // A key 360dialog no longer knows: its own 401, not a Graph error.
          d360.faults.add({ phoneNumberId: D360_NUMBERS[n], to, code: 190, httpStatus: 401, count });
          return;
        }
        const code = { rate_limited: 130429, unavailable: 131000, recipient_invalid: 131026 }[error];
        d360.faults.add({ phoneNumberId: D360_NUMBERS[n], to, code, count });
      },
      customerText: async (n, from, text) => {
        await d360.customer.send({ phoneNumberId: D360_NUMBERS[n] ?? "", from, content: { text } });
      },
      customerImage: async (n, from, caption, bytes) => {
        await d360.customer.send({ phoneNumberId: D360_NUMBERS[n] ?? "", from, content: { upload: { kind: "image", bytes, mimeType: "image/jpeg", caption } } });
      },
      customerChooses: async (n, from, option) => {
        await d360.customer.send({ phoneNumberId: D360_NUMBERS[n] ?? "", from, content: { buttonReply: option } });
      },
    },
    {
      name: "twilio",
      kind: ProviderKind.TWILIO,
      account: (n) => ({
        settings: { account_sid: TWILIO_ACCOUNT, from_number: TWILIO_NUMBERS[n] ?? "", templates: JSON.stringify({ "order_update:es_MX": TWILIO_TEMPLATE }) },
        secrets: { auth_token: TWILIO_TOKEN },
      }),
      showsChoices: false,
      sendsTemplates: true,
      uploadsAndReceipts: false,
      lastSent: (n, to) => {
        const sent = lastOf(twilio.store.list({ from: TWILIO_NUMBERS[n], to }).flatMap((r) => (r.outcome === "accepted" ? [r] : [])));
        if (!sent) return undefined;
        if (sent.contentSid) return { template: { ref: sent.contentSid === TWILIO_TEMPLATE ? "order_update:es_MX" : sent.contentSid, parameters: Object.values(sent.contentVariables ?? {}) } };
        return { text: sent.body, ...(sent.mediaUrls[0] ? { mediaUrl: sent.mediaUrls[0] } : {}) };
      },
      fail: (n, to, error, count) => {
        const code = { credentials: 20003, rate_limited: 20429, unavailable: 20500, recipient_invalid: 21211 }[error];
        twilio.faults.add({ from: TWILIO_NUMBERS[n], to, code, count });
      },
      customerText: async (n, from, text) => {
        await twilio.customer.send({ from: `+${from}`, to: TWILIO_NUMBERS[n] ?? "", body: text, callbackUrl: `${appUrl}/webhooks/twilio` });
      },
      customerImage: async (n, from, caption, bytes) => {
        await twilio.customer.send({ from: `+${from}`, to: TWILIO_NUMBERS[n] ?? "", body: caption, media: [{ contentType: "image/jpeg", bytes }], callbackUrl: `${appUrl}/webhooks/twilio` });
      },
      customerChooses: async (n, from, _option, index) => {
        await twilio.customer.send({ from: `+${from}`, to: TWILIO_NUMBERS[n] ?? "", body: String(index + 1), callbackUrl: `${appUrl}/webhooks/twilio` });
      },
    },
    {
      name: "evolution",
      kind: ProviderKind.EVOLUTION,
      account: (n) => ({ settings: { base_url: evolutionServer.url, instance: EVOLUTION_INSTANCES[n] ?? "" }, secrets: { api_key: EVOLUTION_KEY } }),
      showsChoices: false,
      sendsTemplates: false,
      uploadsAndReceipts: false,
      // The adapter created the instance with its webhook; the owner scans the QR.
      afterConfigure: (n) => {
        evolution.instances.link(EVOLUTION_INSTANCES[n] ?? "");
      },
      lastSent: (n, to) => {
        const sent = lastOf(evolution.store.sent({ instance: EVOLUTION_INSTANCES[n], number: to }));
        if (!sent) return undefined;
        const request = z.object({ text: z.string().optional(), media: z.string().optional(), caption: z.string().optional() }).loose().parse(sent.request);
        return request.media ? { mediaUrl: request.media, ...(request.caption ? { text: request.caption } : {}) } : { text: request.text ?? "" };
      },
      fail: (n, to, error, count) => {
        if (error === "recipient_invalid") {
          evolution.directory.markNotOnWhatsApp(to);
          return;
        }
        const status = { credentials: 401, rate_limited: 429, unavailable: 500 }[error];
        evolution.faults.add({ instance: EVOLUTION_INSTANCES[n], number: to, status, count });
      },
      customerText: async (n, from, text) => {
        await evolution.customer.send({ instance: EVOLUTION_INSTANCES[n] ?? "", from, text });
      },
      customerImage: async (n, from, caption, bytes) => {
        await evolution.customer.send({ instance: EVOLUTION_INSTANCES[n] ?? "", from, image: { mimetype: "image/jpeg", caption, base64: bytes.toString("base64") } });
      },
      customerChooses: async (n, from, _option, index) => {
        await evolution.customer.send({ instance: EVOLUTION_INSTANCES[n] ?? "", from, text: String(index + 1) });
      },
    },
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([h?.sandbox.settled(), d360?.settled(), twilio?.settled(), evolution?.settled()]);
  await Promise.all([h?.close(), d360Server?.close(), twilioServer?.close(), evolutionServer?.close()]);
});

/** Numbers used so far, per rig. */
const numbersUsed = new Map<ProviderKindName, number>();

/** A bot of its own (a number of its own) per test, so breakers and pacing never carry over. */
async function botOn(rig: Rig): Promise<{ tenantId: string; botId: string; n: number }> {
  const n = numbersUsed.get(rig.name) ?? 0;
  numbersUsed.set(rig.name, n + 1);
  const tenantId = newTenant();
  const { settings, secrets } = rig.account(n);
  const response = await h.client.configureBot({ tenantId, displayName: `Contract ${rig.name}`, providers: [{ kind: rig.kind, settings, secrets }] });
  rig.afterConfigure?.(n);
  return { tenantId, botId: response.bot?.id ?? "", n };
}

async function send(tenantId: string, botId: string, to: string, content: MessageInitShape<typeof MessageContentSchema>["kind"]) {
  return h.client.sendMessage({ tenantId, botId, recipient: to, content: { kind: content }, idempotencyKey: randomBytes(8).toString("hex") });
}

/** Waits for stream entries of `botId` appended since `mark` until `done` holds. */
async function entriesOf(mark: InboundMark, botId: string, done: (entries: InboundEntry[]) => boolean): Promise<InboundEntry[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const entries = (await inboundSince(h.redis, mark)).filter((e) => e.botId === botId);
    if (done(entries) || Date.now() > deadline) return entries;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const BUTTONS = [
  { id: "size-6", title: "Talla 6", description: "" },
  { id: "size-7", title: "Talla 7", description: "" },
  { id: "size-8", title: "Talla 8", description: "" },
];

describe.each(["meta", "official", "twilio", "evolution"] as const)("provider contract: %s", (name) => {
  const rig = () => {
    const found = rigs.find((r) => r.name === name);
    if (!found) throw new Error(`no rig for ${name}`);
    return found;
  };

  it("sends text and media, and the provider receives them as sent", async () => {
    const { tenantId, botId, n } = await botOn(rig());
    const to = nextCustomer();
    const text = await send(tenantId, botId, to, { case: "text", value: { body: "Hola, ¿en qué te ayudo?", previewUrl: false } });
    expect(text.providerMessageId).not.toBe("");
    expect(rig().lastSent(n, to)).toEqual({ text: "Hola, ¿en qué te ayudo?" });
    await send(tenantId, botId, to, { case: "media", value: { kind: 1, url: "https://cdn.example.com/ring.jpg", caption: "Anillo de oro", filename: "", mimeType: "" } });
    expect(rig().lastSent(n, to)).toEqual({ mediaUrl: "https://cdn.example.com/ring.jpg", text: "Anillo de oro" });
  });

  it("sends a template with its parameters, or refuses it where the provider has no templates", async () => {
    const { tenantId, botId, n } = await botOn(rig());
    const to = nextCustomer();
    const template = { case: "template" as const, value: { name: "order_update", language: "es_MX", parameters: ["Ana", "#1043"] } };
    if (rig().sendsTemplates) {
      await send(tenantId, botId, to, template);
      expect(rig().lastSent(n, to)).toEqual({ template: { ref: "order_update:es_MX", parameters: ["Ana", "#1043"] } });
    } else {
      expect((await rejectionOf(send(tenantId, botId, to, template))).code).toBe("PROVIDER_CANNOT_SEND_TEMPLATES");
      expect(rig().lastSent(n, to)).toBeUndefined();
    }
  });

  it("uploads a file and sends it by its id, and marks a contact's message read, where the provider can (others say so)", async () => {
    const { tenantId, botId, n } = await botOn(rig());
    const to = nextCustomer();
    const upload = h.client.uploadMedia({ tenantId, botId, data: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), mimeType: "image/jpeg", filename: "anillo.jpg" });
    if (!rig().uploadsAndReceipts) {
      expect((await rejectionOf(upload)).code).toBe("MEDIA_UPLOAD_NOT_SUPPORTED");
      expect(await h.client.markRead({ tenantId, botId, provider: rig().kind, providerMessageId: "SM0", contact: to })).toMatchObject({ marked: false });
      return;
    }
    const { media } = await upload;
    expect(media).toMatchObject({ provider: rig().kind, mediaId: expect.stringMatching(/.+/) });
    await send(tenantId, botId, to, { case: "media", value: { kind: 1, url: "", caption: "Catálogo", filename: "", mimeType: "", uploaded: media } });
    expect(rig().lastSent(n, to)).toEqual({ mediaId: media?.mediaId, text: "Catálogo" });

    const mark = await inboundMark(h.redis);
    await rig().customerText(n, to, "hola");
    const [message] = (await entriesOf(mark, botId, (list) => list.some((e) => e.kind === "message"))).filter((e) => e.kind === "message");
    const providerMessageId = message?.providerMessageId ?? "";
    expect(await h.client.markRead({ tenantId, botId, provider: rig().kind, providerMessageId, contact: to })).toMatchObject({ marked: true });
    expect(rig().readReceipts?.(n)).toContain(providerMessageId);
  });

  it("offers buttons (as numbered text where they cannot be shown) and the contact's choice comes back as the same button_reply everywhere", async () => {
    const { tenantId, botId, n } = await botOn(rig());
    const to = nextCustomer();
    await send(tenantId, botId, to, { case: "buttons", value: { body: "¿Qué talla?", header: "", footer: "", buttons: BUTTONS } });
    const seen = rig().lastSent(n, to);
    if (rig().showsChoices) expect(seen).toEqual({ text: "¿Qué talla?", buttons: ["Talla 6", "Talla 7", "Talla 8"] });
    else expect(seen).toEqual({ text: "¿Qué talla?\n\n1. Talla 6\n2. Talla 7\n3. Talla 8" });

    const mark = await inboundMark(h.redis);
    await rig().customerChooses(n, to, { id: "size-7", title: "Talla 7" }, 1);
    const entries = await entriesOf(mark, botId, (list) => list.some((e) => e.kind === "message"));
    expect(entries.find((e) => e.kind === "message")).toMatchObject({ kind: "message", provider: name, from: to, type: "button_reply", replyId: "size-7" });
  });

  it("offers a list and a row picked by its title comes back as the same list_reply", async () => {
    const { tenantId, botId, n } = await botOn(rig());
    const to = nextCustomer();
    const rows = [
      { id: "cat-rings", title: "Anillos", description: "Oro y plata" },
      { id: "cat-chains", title: "Cadenas", description: "" },
    ];
    await send(tenantId, botId, to, { case: "list", value: { body: "Catálogo", button: "Ver", header: "", footer: "", sections: [{ title: "", rows }] } });
    const seen = rig().lastSent(n, to);
    if (rig().showsChoices) expect(seen).toEqual({ text: "Catálogo", rows: ["Anillos", "Cadenas"] });
    else expect(seen).toEqual({ text: "Catálogo\n\n1. Anillos — Oro y plata\n2. Cadenas" });

    const mark = await inboundMark(h.redis);
    if (name === "meta") await h.sandbox.customer.send({ phoneNumberId: META_NUMBERS[n] ?? "", from: to, content: { listReply: { id: "cat-chains", title: "Cadenas" } } });
    else if (name === "official") await d360.customer.send({ phoneNumberId: D360_NUMBERS[n] ?? "", from: to, content: { listReply: { id: "cat-chains", title: "Cadenas" } } });
    else await rig().customerText(n, to, "cadenas");
    const entries = await entriesOf(mark, botId, (list) => list.some((e) => e.kind === "message"));
    expect(entries.find((e) => e.kind === "message")).toMatchObject({ type: "list_reply", replyId: "cat-chains" });
  });

  it("answers the same error code for each class of provider failure", async () => {
    const expected: Record<ErrorClass, string> = {
      credentials: "PROVIDER_CREDENTIALS_INVALID",
      rate_limited: "PROVIDER_RATE_LIMITED",
      unavailable: "PROVIDER_UNAVAILABLE",
      recipient_invalid: "RECIPIENT_INVALID",
    };
    for (const error of Object.keys(expected) as ErrorClass[]) {
      const { tenantId, botId, n } = await botOn(rig());
      const to = nextCustomer();
      rig().fail(n, to, error, 5);
      const rejection = await rejectionOf(send(tenantId, botId, to, { case: "text", value: { body: "Hola", previewUrl: false } }));
      expect({ error, code: rejection.code }).toEqual({ error, code: expected[error] });
    }
  });

  it("turns the contact's text, image and the delivery status into the same stream entries", async () => {
    const { tenantId, botId, n } = await botOn(rig());
    const to = nextCustomer();
    const mark = await inboundMark(h.redis);
    await rig().customerText(n, to, "¿Tienen anillos de oro?");
    // Some providers post webhooks concurrently (no order between two messages): one at a time here.
    await entriesOf(mark, botId, (list) => list.some((e) => e.kind === "message"));
    const photo = randomBytes(64);
    await rig().customerImage(n, to, "como este", photo);
    const sent = await send(tenantId, botId, to, { case: "text", value: { body: "¡Claro!", previewUrl: false } });
    const entries = await entriesOf(mark, botId, (list) => list.filter((e) => e.kind === "message").length >= 2 && list.some((e) => e.kind === "status" && e.status === "delivered"));
    const messages = entries.filter((e) => e.kind === "message");
    expect(messages).toEqual([
      expect.objectContaining({ provider: name, tenantId, from: to, type: "text", text: "¿Tienen anillos de oro?" }),
      expect.objectContaining({ provider: name, tenantId, from: to, type: "media", text: "como este", media: expect.objectContaining({ kind: "image", mimeType: "image/jpeg", caption: "como este", providerMediaId: expect.any(String) }) }),
    ]);
    expect(entries.filter((e) => e.kind === "status" && e.status === "delivered")).toEqual([
      expect.objectContaining({ provider: name, providerMessageId: sent.providerMessageId, recipient: to, status: "delivered" }),
    ]);

    // The entry keeps a reference; the file comes from the provider, with the bot's credentials, when asked.
    const image = messages.find((e) => e.kind === "message" && e.type === "media");
    const providerMediaId = image?.kind === "message" ? (image.media?.providerMediaId ?? "") : "";
    const file = await h.client.getMedia({ tenantId, botId, provider: rig().kind, providerMediaId });
    expect(Buffer.from(file.data).equals(photo)).toBe(true);
    expect(file.mimeType).toBe("image/jpeg");
    expect((await rejectionOf(h.client.getMedia({ tenantId: newTenant(), botId, provider: rig().kind, providerMediaId }))).code).toBe("BOT_NOT_FOUND");
  });
});

describe("linked-device connection (Evolution API)", () => {
  it("creates the bot's instance with our webhook, shows its QR and pairing code while it waits to be linked, then connected", async () => {
    const tenantId = newTenant();
    const instance = "shop-linking";
    const configured = await h.client.configureBot({
      tenantId,
      displayName: "Linking shop",
      providers: [{ kind: ProviderKind.EVOLUTION, settings: { base_url: evolutionServer.url, instance, phone_number: "34600111222" }, secrets: { api_key: EVOLUTION_KEY } }],
    });
    const botId = configured.bot?.id ?? "";
    const waiting = await h.client.getConnection({ tenantId, botId });
    expect(waiting).toMatchObject({ state: ConnectionState.AWAITING_PAIRING, provider: ProviderKind.EVOLUTION, qr: expect.stringMatching(/.{20,}/), pairingCode: expect.stringMatching(/^[A-Z0-9]{8}$/) });

    evolution.instances.link(instance);
    expect(await h.client.getConnection({ tenantId, botId })).toMatchObject({ state: ConnectionState.CONNECTED, qr: "", pairingCode: "" });
  });

  it("logs the instance out and deletes it when the bot is deleted", async () => {
    const tenantId = newTenant();
    const instance = "shop-closing";
    const configured = await h.client.configureBot({
      tenantId,
      displayName: "Closing shop",
      providers: [{ kind: ProviderKind.EVOLUTION, settings: { base_url: evolutionServer.url, instance }, secrets: { api_key: EVOLUTION_KEY } }],
    });
    evolution.instances.link(instance);
    const exists = async () => (await fetch(`${evolutionServer.url}/instance/connectionState/${instance}`, { headers: { apikey: EVOLUTION_KEY } })).status;
    expect(await exists()).toBe(200);

    await h.client.deleteBot({ tenantId, botId: configured.bot?.id ?? "" });

    expect(await exists()).toBe(404);
  });

  it("shows a refused api_key as misconfigured", async () => {
    const tenantId = newTenant();
    const configured = await h.client.configureBot({
      tenantId,
      displayName: "Wrong key",
      providers: [{ kind: ProviderKind.EVOLUTION, settings: { base_url: evolutionServer.url, instance: "shop-wrong-key" }, secrets: { api_key: "not-the-key" } }],
    });
    expect(configured.bot).toMatchObject({ connectionState: ConnectionState.MISCONFIGURED, connectionDetail: expect.stringContaining("PROVIDER_CREDENTIALS_INVALID") });
  });
});
