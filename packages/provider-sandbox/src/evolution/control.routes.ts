// The sandbox's own endpoints under /_sandbox/evolution: recorded messages, scripted faults,
// latency, numbers not on WhatsApp, the webhook delivery log, the phone linking / unlinking /
// rotating its QR code, message statuses, and customers writing in. Errors here use the
// sandbox's {error:{code,message}} shape, not Evolution's.
import express, { type Request, type Router } from "express";
import { z } from "zod";
import { addSandboxControls, faultCount, parseOrThrow, parseSince, phoneNumber, unknownSandboxEndpoint, withDefaultKind } from "../shared/control.routes.js";
import type { EvolutionCustomer } from "./customer.js";
import type { EvolutionFaults } from "./fault-injector.js";
import type { InstanceLifecycle } from "./instance-lifecycle.use-case.js";
import { MESSAGE_STATUSES } from "./message-payloads.js";
import type { EvolutionMessageStore } from "./message-store.js";
import type { SendMessage } from "./send-message.use-case.js";
import type { WebhookDispatcher } from "./webhook-dispatcher.js";
import type { WhatsAppDirectory } from "./whatsapp-directory.js";

export interface ControlRouterDeps {
  store: EvolutionMessageStore;
  faults: EvolutionFaults;
  directory: WhatsAppDirectory;
  webhooks: WebhookDispatcher;
  lifecycle: InstanceLifecycle;
  sending: SendMessage;
  customer: EvolutionCustomer;
  setResponseDelay(ms: number): void;
}

type InstanceParams = { instanceName: string };

const numbersBody = z.object({ numbers: z.array(phoneNumber) });
const linkBody = z.object({ number: phoneNumber.optional(), profileName: z.string().min(1).optional() });
const statusBody = z.object({ status: z.enum(MESSAGE_STATUSES) });
const faultTarget = { instance: z.string().min(1).optional(), number: phoneNumber.optional(), count: faultCount };
const faultBody = withDefaultKind("http_error", z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("http_error"), status: z.number().int().min(400).max(599), message: z.string().min(1).optional(), ...faultTarget }),
  z.object({ kind: z.literal("drop_connection"), ...faultTarget }),
]));
const customerMedia = z.object({
  mimetype: z.string().min(1),
  caption: z.string().optional(),
  fileName: z.string().min(1).optional(),
  base64: z.string().min(1).optional(),
  url: z.url({ protocol: /^https?$/ }).optional(),
});
const reply = z.object({ id: z.string().min(1), title: z.string().min(1) });
const customerBody = z.object({
  instance: z.string().min(1),
  from: z.string().min(1),
  pushName: z.string().min(1).optional(),
  lid: z.string().min(1).optional(),
  fromMe: z.boolean().optional(),
  id: z.string().min(1).optional(),
  device: z.enum(["android", "ios"]).optional(),
  replyTo: z.string().min(1).optional(),
  text: z.string().min(1).max(65_536).optional(),
  textFormat: z.enum(["conversation", "extendedText"]).optional(),
  image: customerMedia.optional(),
  video: customerMedia.optional(),
  audio: customerMedia.optional(),
  document: customerMedia.optional(),
  buttonReply: reply.optional(),
  listReply: reply.extend({ description: z.string().optional() }).optional(),
  interactiveReply: reply.optional(),
});
const redeliverBody = z.object({ instance: z.string().min(1) });
const messagesQuery = z.object({
  instance: z.string().min(1).optional(),
  number: z.string().min(1).optional(),
  outcome: z.enum(["accepted", "rejected", "received"]).optional(),
  since: z.string().min(1).optional(),
});
const webhooksQuery = z.object({
  instance: z.string().min(1).optional(),
  event: z.string().min(1).optional(),
  outcome: z.enum(["pending", "delivered", "rejected", "gave_up"]).optional(),
});

export function createControlRouter(deps: ControlRouterDeps): Router {
  const control = addSandboxControls(express.Router(), {
    store: deps.store,
    messagesQuery: (raw) => {
      const query = parseOrThrow(messagesQuery, raw);
      return { ...query, since: parseSince(query.since) };
    },
    faults: deps.faults,
    faultSpec: (raw) => parseOrThrow(faultBody, raw),
    setResponseDelay: deps.setResponseDelay,
  });

  control.get("/not-on-whatsapp", (_req, res) => {
    res.json({ numbers: deps.directory.list() });
  });

  control.put("/not-on-whatsapp", (req, res) => {
    deps.directory.replace(parseOrThrow(numbersBody, req.body).numbers);
    res.json({ numbers: deps.directory.list() });
  });

  control.get("/webhooks", (req, res) => {
    res.json(deps.webhooks.list(parseOrThrow(webhooksQuery, req.query)));
  });

  control.delete("/webhooks", (_req, res) => {
    deps.webhooks.clear();
    res.status(204).end();
  });

  control.post("/instances/:instanceName/link", (req: Request<InstanceParams>, res) => {
    res.json(deps.lifecycle.link(req.params.instanceName, parseOrThrow(linkBody, req.body ?? {})));
  });

  control.post("/instances/:instanceName/unlink", (req: Request<InstanceParams>, res) => {
    res.json(deps.lifecycle.unlink(req.params.instanceName));
  });

  control.post("/instances/:instanceName/qr-refresh", async (req: Request<InstanceParams>, res) => {
    res.json(await deps.lifecycle.refreshQr(req.params.instanceName));
  });

  control.post("/instances/:instanceName/messages/:keyId/status", (req: Request<InstanceParams & { keyId: string }>, res) => {
    const record = deps.sending.setStatus(req.params.instanceName, req.params.keyId, parseOrThrow(statusBody, req.body).status);
    res.json({ keyId: record.keyId, status: record.status });
  });

  control.post("/customer/messages", async (req, res) => {
    res.status(201).json(await deps.customer.send(parseOrThrow(customerBody, req.body)));
  });

  control.post("/customer/messages/:keyId/redeliver", (req: Request<{ keyId: string }>, res) => {
    res.status(201).json(deps.customer.redeliver({ instance: parseOrThrow(redeliverBody, req.body).instance, keyId: req.params.keyId }));
  });

  control.use(unknownSandboxEndpoint);

  return control;
}
