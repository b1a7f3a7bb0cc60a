// The control endpoints a test or the demo uses to drive a Cloud API fake: recorded messages,
// scripted faults, latency, throughput, stored media and "a customer sends a message". Meta's fake
// mounts them under /_sandbox, 360dialog's under /_sandbox/d360. Wiring and wire mapping only.
import { randomUUID } from "node:crypto";
import express, { type Router } from "express";
import { z } from "zod";
import { addSandboxControls, faultCount, parseOrThrow, parseSince, phoneNumber, withDefaultKind } from "../shared/control.routes.js";
import { SandboxError } from "../shared/sandbox-error.js";
import type { Customer, CustomerMessageInput, CustomerUpload, InboundContactCard, InboundContent } from "./customer.js";
import type { FaultInjector } from "./fault-injector.js";
import type { MediaStore } from "./media-store.js";
import type { MediaKind } from "./media-types.js";
import type { MessageStore, Outcome } from "./message-store.js";
import type { RateLimiter } from "./rate-limiter.js";

export interface ControlRouterDeps {
  store: MessageStore;
  faults: FaultInjector;
  limiter: RateLimiter;
  customer: Customer;
  media: MediaStore;
  /** Whether status webhooks have somewhere to go, so faults "via webhook" make sense. */
  canNotify(): boolean;
  setResponseDelay(ms: number): void;
}

const faultTarget = {
  phone_number_id: z.string().min(1).optional(),
  to: phoneNumber.optional(),
  count: faultCount,
};

// `kind` defaults to a Graph error, so `{code: 131000}` keeps meaning what it always did.
const faultBody = withDefaultKind("graph_error", z.discriminatedUnion("kind", [
  z.object({
    ...faultTarget,
    kind: z.literal("graph_error"),
    code: z.number().int().nonnegative(),
    httpStatus: z.number().int().min(200).max(599).optional(),
    via: z.enum(["response", "webhook"]).default("response"),
    details: z.string().min(1).optional(),
  }),
  z.object({ ...faultTarget, kind: z.enum(["drop_connection", "missing_message_id"]) }),
]));

/** A file the customer sends; without content the sandbox makes up a few bytes. */
const mediaInput = <E extends z.ZodRawShape>(extra: E) =>
  z.strictObject({ content_base64: z.base64().optional(), mime_type: z.string().min(1).optional(), ...extra });
const caption = { caption: z.string().min(1).max(1024).optional() };

const contactCard: z.ZodType<InboundContactCard> = z.strictObject({
  name: z.strictObject({
    formatted_name: z.string().min(1),
    first_name: z.string().optional(),
    last_name: z.string().optional(),
    middle_name: z.string().optional(),
    prefix: z.string().optional(),
    suffix: z.string().optional(),
  }),
  phones: z.array(z.strictObject({ phone: z.string().min(1), wa_id: z.string().optional(), type: z.string().optional() })).optional(),
  emails: z.array(z.strictObject({ email: z.string().min(1), type: z.string().optional() })).optional(),
  org: z.strictObject({ company: z.string().optional(), department: z.string().optional(), title: z.string().optional() }).optional(),
  urls: z.array(z.strictObject({ url: z.string().min(1), type: z.string().optional() })).optional(),
  birthday: z.string().optional(),
  addresses: z.array(z.strictObject({
    street: z.string().optional(),
    city: z.string().optional(),
    state: z.string().optional(),
    zip: z.string().optional(),
    country: z.string().optional(),
    country_code: z.string().optional(),
    type: z.string().optional(),
  })).optional(),
});

const contentKeys = {
  text: z.string().min(1).max(4096).optional(),
  button_reply: z.object({ id: z.string().min(1), title: z.string().min(1) }).optional(),
  list_reply: z.object({ id: z.string().min(1), title: z.string().min(1), description: z.string().optional() }).optional(),
  image: mediaInput(caption).optional(),
  video: mediaInput(caption).optional(),
  document: mediaInput({ ...caption, filename: z.string().min(1).max(240).optional() }).optional(),
  audio: mediaInput({ voice: z.boolean().optional() }).optional(),
  sticker: mediaInput({ animated: z.boolean().optional() }).optional(),
  location: z.strictObject({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    name: z.string().min(1).optional(),
    address: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
  }).optional(),
  contacts: z.array(contactCard).min(1).optional(),
  // An empty emoji is how WhatsApp reports a removed reaction.
  reaction: z.strictObject({ message_id: z.string().min(1), emoji: z.string() }).optional(),
  button: z.strictObject({ payload: z.string().min(1), text: z.string().min(1) }).optional(),
  unsupported: z.strictObject({ type: z.string().min(1).optional() }).optional(),
};
const CONTENT_KEYS = Object.keys(contentKeys);

const DEFAULT_MIME_TYPES: Readonly<Record<MediaKind, string>> = {
  image: "image/jpeg",
  video: "video/mp4",
  document: "application/pdf",
  audio: "audio/ogg; codecs=opus",
  sticker: "image/webp",
};

type CustomerBody = z.infer<z.ZodObject<typeof contentKeys>>;

function upload(kind: MediaKind, input: { content_base64?: string; mime_type?: string }, extra: Omit<CustomerUpload["upload"], "kind" | "bytes" | "mimeType">): CustomerUpload {
  const bytes = input.content_base64 === undefined ? Buffer.from(`sandbox ${kind} ${randomUUID()}`) : Buffer.from(input.content_base64, "base64");
  return { upload: { kind, bytes, mimeType: input.mime_type ?? DEFAULT_MIME_TYPES[kind], ...extra } };
}

function toContent(body: CustomerBody): InboundContent | CustomerUpload | undefined {
  if (body.text !== undefined) return { text: body.text };
  if (body.button_reply !== undefined) return { buttonReply: body.button_reply };
  if (body.list_reply !== undefined) return { listReply: body.list_reply };
  if (body.image !== undefined) return upload("image", body.image, { caption: body.image.caption });
  if (body.video !== undefined) return upload("video", body.video, { caption: body.video.caption });
  if (body.document !== undefined) return upload("document", body.document, { caption: body.document.caption, filename: body.document.filename });
  if (body.audio !== undefined) return upload("audio", body.audio, { voice: body.audio.voice ?? false });
  if (body.sticker !== undefined) return upload("sticker", body.sticker, { animated: body.sticker.animated ?? false });
  if (body.location !== undefined) return { location: body.location };
  if (body.contacts !== undefined) return { contacts: body.contacts };
  if (body.reaction !== undefined) return { reaction: { messageId: body.reaction.message_id, emoji: body.reaction.emoji } };
  if (body.button !== undefined) return { quickReply: body.button };
  if (body.unsupported !== undefined) return { unsupported: body.unsupported };
  return undefined;
}

const customerBody = z.object({
  callback_url: z.url({ protocol: /^https?$/ }).optional(),
  phone_number_id: z.string().min(1),
  from: phoneNumber,
  name: z.string().min(1).optional(),
  /** The business message answered (quick replies, button and list replies). */
  context: z.strictObject({ id: z.string().min(1), from: phoneNumber.optional() }).optional(),
  count: z.number().int().min(1).max(100).default(1),
  ...contentKeys,
}).transform((body, ctx) => {
  const given = CONTENT_KEYS.filter((key) => body[key as keyof CustomerBody] !== undefined);
  const content = toContent(body);
  if (content === undefined || given.length > 1) {
    ctx.addIssue({ code: "custom", message: `exactly one of ${CONTENT_KEYS.join(", ")} is required` });
    return z.NEVER;
  }
  return { ...body, content };
});

const messagesQuery = z.object({
  to: z.string().min(1).optional(),
  phone_number_id: z.string().min(1).optional(),
  since: z.string().min(1).optional(),
  outcome: z.enum(["accepted", "rejected", "read"] satisfies Outcome[]).optional(),
});

export function createControlRouter(deps: ControlRouterDeps): Router {
  const router = addSandboxControls(express.Router(), {
    store: deps.store,
    messagesQuery: (raw) => {
      const query = parseOrThrow(messagesQuery, raw);
      return { to: query.to, phoneNumberId: query.phone_number_id, since: parseSince(query.since), outcome: query.outcome };
    },
    faults: deps.faults,
    faultSpec: (raw) => {
      const body = parseOrThrow(faultBody, raw);
      if (body.kind === "graph_error" && body.via === "webhook" && !deps.canNotify()) {
        throw new SandboxError("NO_CALLBACK_URL", "faults via webhook need a configured callback URL");
      }
      const { phone_number_id: phoneNumberId, ...fault } = body;
      return { ...fault, phoneNumberId };
    },
    setResponseDelay: deps.setResponseDelay,
    limiter: deps.limiter,
  });

  // Metadata only: the bytes are fetched the way the app would, through the media endpoints.
  router.get("/media", (_req, res) => {
    res.json(deps.media.list().map((m) => ({
      id: m.id, phone_number_id: m.phoneNumberId, mime_type: m.mimeType, sha256: m.sha256, file_size: m.fileSize, filename: m.filename,
    })));
  });

  router.post("/customer/messages", async (req, res) => {
    const body = parseOrThrow(customerBody, req.body);
    const input: CustomerMessageInput = {
      phoneNumberId: body.phone_number_id,
      from: body.from,
      name: body.name,
      content: body.content,
      context: body.context,
      count: body.count,
      callbackUrl: body.callback_url,
    };
    const { mediaId, ...result } = await deps.customer.send(input);
    res.json({ ...result, ...(mediaId === undefined ? {} : { media_id: mediaId }) });
  });

  return router;
}
