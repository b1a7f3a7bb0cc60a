// The orchestrator's adapter client against a scripted AdapterService on the
// real gRPC wire: an answer naming a provider kind newer than this build is
// still a sent message (defect 11); a turn's replies go in one SendMessages
// call, or one SendMessage each to an adapter that has no SendMessages yet.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { AdapterService, MediaKind, ProviderKind, type SendMessageRequest, type SendMessagesRequest } from "@fleet/contracts/adapter";
import type { InboundMessage } from "@fleet/contracts";
import { implement, startGrpcServer, toErrorFields, unimplemented, type RunningGrpcServer } from "@fleet/grpc-bridge";
import { AppError, createMetrics } from "@fleet/service-kit";
import { memoryLogger } from "@fleet/testing";
import { createAdapterReplySender } from "../src/clients/adapter.client.js";

const { logger } = memoryLogger("fake-adapter", "error");
let answerProvider: ProviderKind = ProviderKind.META;
const received: SendMessageRequest[] = [];
const batches: SendMessagesRequest[] = [];
/** Whether the fake adapter has SendMessages (an adapter of an older release answers UNIMPLEMENTED). */
let hasSendMessages = true;
let server: RunningGrpcServer;
let sender: ReturnType<typeof createAdapterReplySender>;

const message: InboundMessage = {
  v: 1,
  kind: "message",
  id: "meta:wamid.client-test",
  tenantId: "7d0f6a8e-2f4b-4d5a-9a51-0c2a8f6b1e11",
  botId: "0b7f3f0e-8a43-4a8e-9a9e-1d2c3b4a5f60",
  occurredAt: "2026-11-22T10:00:00.000Z",
  provider: "meta",
  providerMessageId: "wamid.client-test",
  from: "5215512345678",
  type: "text",
  text: "hola",
};

beforeAll(async () => {
  server = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    logger,
    metrics: createMetrics("fake-adapter"),
    services: [
      implement(AdapterService, {
        ...unimplemented(AdapterService),
        sendMessage: async (request: SendMessageRequest) => {
          received.push(request);
          return { providerMessageId: "wamid.sent", provider: answerProvider, replayed: false };
        },
        sendMessages: async (request: SendMessagesRequest) => {
          if (!hasSendMessages) throw new AppError("unimplemented", "UNIMPLEMENTED", "SendMessages is not implemented");
          batches.push(request);
          // The second reply's outcome is unknown (the batch goes on), the third is refused (it stops).
          return {
            results: [
              { outcome: { case: "sent" as const, value: { providerMessageId: "wamid.b0", provider: ProviderKind.META, replayed: false } } },
              { outcome: { case: "error" as const, value: toErrorFields(new AppError("failed_precondition", "SEND_OUTCOME_UNKNOWN", "maybe sent", { details: { provider: "meta", providerCode: "PROVIDER_TIMEOUT" } })) } },
              { outcome: { case: "error" as const, value: toErrorFields(new AppError("invalid_argument", "PROVIDER_REJECTED_REQUEST", "refused")) } },
            ].slice(0, request.replies.length),
          };
        },
        getConnection: () => Promise.reject(new AppError("unimplemented", "NOT_IMPLEMENTED", "not in this fake")),
        configureBot: () => Promise.reject(new AppError("unimplemented", "NOT_IMPLEMENTED", "not in this fake")),
      }),
    ],
  });
  sender = createAdapterReplySender(`127.0.0.1:${server.port}`, 5_000);
});

afterAll(async () => {
  sender.close();
  await server.stop(100);
});

describe("adapter reply sender", () => {
  it("names the provider the adapter sent through", async () => {
    answerProvider = ProviderKind.TWILIO;
    await expect(sender.send({ tenantId: message.tenantId, botId: message.botId, recipient: message.from }, { type: "text", body: "hola" }, "k:0")).resolves.toEqual({ providerMessageId: "wamid.sent", provider: "twilio" });
  });

  it("reports a sent message with provider 'unknown' when the adapter names a provider kind newer than this build", async () => {
    answerProvider = 42 as ProviderKind;
    await expect(sender.send({ tenantId: message.tenantId, botId: message.botId, recipient: message.from }, { type: "text", body: "hola" }, "k:1")).resolves.toEqual({ providerMessageId: "wamid.sent", provider: "unknown" });
  });

  it("sends the flow's buttons, lists and media as the adapter's content, with the reply-to id", async () => {
    received.length = 0;
    const target = { tenantId: message.tenantId, botId: message.botId, recipient: message.from, replyTo: "wamid.in" };
    await sender.send(target, { type: "buttons", body: "¿Seguimos?", footer: "Cocolu", buttons: [{ id: "si", title: "Sí" }, { id: "no", title: "No" }] }, "k:2");
    await sender.send(target, { type: "list", body: "Elige", button: "Ver", sections: [{ title: "Joyas", rows: [{ id: "anillos", title: "Anillos", description: "Oro y plata" }] }] }, "k:3");
    await sender.send(target, { type: "media", kind: "document", url: "https://cdn.example.com/c.pdf", caption: "Catálogo", filename: "c.pdf" }, "k:4");
    expect(received.map((r) => ({ key: r.idempotencyKey, replyTo: r.replyToProviderMessageId, kind: r.content?.kind.case }))).toEqual([
      { key: "k:2", replyTo: "wamid.in", kind: "buttons" },
      { key: "k:3", replyTo: "wamid.in", kind: "list" },
      { key: "k:4", replyTo: "wamid.in", kind: "media" },
    ]);
    expect(received[0]?.content?.kind.value).toMatchObject({ body: "¿Seguimos?", footer: "Cocolu", buttons: [{ id: "si", title: "Sí" }, { id: "no", title: "No" }] });
    expect(received[1]?.content?.kind.value).toMatchObject({ body: "Elige", button: "Ver", sections: [{ title: "Joyas", rows: [{ id: "anillos", title: "Anillos", description: "Oro y plata" }] }] });
    expect(received[2]?.content?.kind.value).toMatchObject({ kind: MediaKind.DOCUMENT, url: "https://cdn.example.com/c.pdf", caption: "Catálogo", filename: "c.pdf" });
  });

  it("sends a turn's replies in one SendMessages call, in order, and reads back each reply's outcome as the AppError it failed with", async () => {
    received.length = 0;
    const target = { tenantId: message.tenantId, botId: message.botId, recipient: message.from, replyTo: "wamid.in" };

    const outcomes = await sender.sendAll(target, [
      { content: { type: "text", body: "Uno" }, idempotencyKey: "t:0" },
      { content: { type: "buttons", body: "¿Seguimos?", buttons: [{ id: "si", title: "Sí" }] }, idempotencyKey: "t:1" },
      { content: { type: "text", body: "Tres" }, idempotencyKey: "t:2" },
    ]);

    expect(received).toHaveLength(0);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ tenantId: message.tenantId, botId: message.botId, recipient: message.from, replyToProviderMessageId: "wamid.in" });
    expect(batches[0]?.replies.map((reply) => ({ key: reply.idempotencyKey, kind: reply.content?.kind.case }))).toEqual([
      { key: "t:0", kind: "text" },
      { key: "t:1", kind: "buttons" },
      { key: "t:2", kind: "text" },
    ]);
    expect(outcomes[0]).toEqual({ sent: { providerMessageId: "wamid.b0", provider: "meta" } });
    const [, unknown, refused] = outcomes.map((outcome) => ("error" in outcome ? outcome.error : null));
    expect(unknown).toBeInstanceOf(AppError);
    expect(unknown).toMatchObject({ kind: "failed_precondition", code: "SEND_OUTCOME_UNKNOWN", details: { provider: "meta", providerCode: "PROVIDER_TIMEOUT" } });
    expect(refused).toMatchObject({ kind: "invalid_argument", code: "PROVIDER_REJECTED_REQUEST", retryable: false });
  });

  it("sends one SendMessage per reply, in order, to an adapter without SendMessages (a rolling deploy), and keeps doing so", async () => {
    hasSendMessages = false;
    received.length = 0;
    batches.length = 0;
    const target = { tenantId: message.tenantId, botId: message.botId, recipient: message.from };
    answerProvider = ProviderKind.META;

    const first = await sender.sendAll(target, [
      { content: { type: "text", body: "Uno" }, idempotencyKey: "u:0" },
      { content: { type: "text", body: "Dos" }, idempotencyKey: "u:1" },
    ]);
    await sender.sendAll(target, [{ content: { type: "text", body: "Tres" }, idempotencyKey: "v:0" }]);

    expect(first).toEqual([{ sent: { providerMessageId: "wamid.sent", provider: "meta" } }, { sent: { providerMessageId: "wamid.sent", provider: "meta" } }]);
    expect(received.map((request) => request.idempotencyKey)).toEqual(["u:0", "u:1", "v:0"]);
    expect(batches).toHaveLength(0);
  });
});
