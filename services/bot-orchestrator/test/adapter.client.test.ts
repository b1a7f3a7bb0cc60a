// The orchestrator's adapter client against a scripted AdapterService on the
// real gRPC wire: an answer naming a provider kind newer than this build is
// still a sent message (defect 11).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { AdapterService, MediaKind, ProviderKind, type SendMessageRequest } from "@fleet/contracts/adapter";
import type { InboundMessage } from "@fleet/contracts";
import { implement, startGrpcServer, unimplemented, type RunningGrpcServer } from "@fleet/grpc-bridge";
import { AppError, createMetrics } from "@fleet/service-kit";
import { memoryLogger } from "@fleet/testing";
import { createAdapterReplySender } from "../src/clients/adapter.client.js";

const { logger } = memoryLogger("fake-adapter", "error");
let answerProvider: ProviderKind = ProviderKind.META;
const received: SendMessageRequest[] = [];
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
});
