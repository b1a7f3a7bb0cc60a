// Round trips through a real gRPC server on port 0 and the bridge's real client:
// the wire encoding, the AppError <-> status mapping, deadlines, request ids,
// metrics and the standard health service.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { Client, Metadata, credentials, status } from "@grpc/grpc-js";
import { AppError, createLogger, createMetrics, currentContext, runWithContext, type Metrics } from "@fleet/service-kit";
import { service as healthService } from "grpc-health-check";
import { Writable } from "node:stream";
// grpc-bridge does not depend on @fleet/contracts, so the generated code is imported by path.
import { AdapterService, MediaKind, ProviderKind, type SendMessageRequest } from "@fleet/contracts/adapter";
import { createServiceClient } from "./client.js";
import { implement, startGrpcServer, unimplemented, type RunningGrpcServer } from "./server.js";

type LogLine = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function memoryLogger() {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: createLogger({ service: "test-adapter", level: "debug", stream }), lines };
}

/** The rejection of `promise` as an AppError; fails the test when it resolves or rejects with something else. */
async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** Calls grpc.health.v1.Health/Check the way Kubernetes or grpc-health-probe would. */
function healthCheck(client: Client, serviceName: string): Promise<string> {
  const method = healthService.Check;
  if (!method) throw new Error("grpc-health-check has no Check method");
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      { service: serviceName },
      new Metadata(),
      { deadline: Date.now() + 2000 },
      (error, response) => (error ? reject(error) : resolve(String((response as { status?: unknown } | undefined)?.status))),
    );
  });
}

/** Opens grpc.health.v1.Health/Watch and collects every status it streams. */
function healthWatch(client: Client, serviceName: string) {
  const method = healthService.Watch;
  if (!method) throw new Error("grpc-health-check has no Watch method");
  const statuses: string[] = [];
  const waiters: (() => void)[] = [];
  const call = client.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, { service: serviceName }, new Metadata(), {});
  call.on("data", (message: { status?: unknown }) => {
    statuses.push(String(message.status));
    for (const wake of waiters.splice(0)) wake();
  });
  // cancel() ends the stream with CANCELLED; that is how the test closes it.
  call.on("error", () => {});
  const next = (wanted: string) =>
    new Promise<void>((resolve) => {
      const check = () => (statuses.includes(wanted) ? resolve() : void waiters.push(check));
      check();
    });
  return { call, statuses, next };
}

const connect = (port: number) => createServiceClient(AdapterService, `127.0.0.1:${port}`, { defaultDeadlineMs: 2000 });

async function handledCount(metrics: Metrics, method: string, code: string): Promise<number> {
  const { values } = await metrics.grpcHandled.get();
  return values.find((v) => v.labels.grpc_method === method && v.labels.grpc_code === code)?.value ?? 0;
}

describe("grpc bridge: a real server and client", () => {
  const { logger, lines } = memoryLogger();
  const metrics = createMetrics("test-adapter");
  let server: RunningGrpcServer;
  let client: ReturnType<typeof connect>;
  let healthClient: Client;
  let received: SendMessageRequest | undefined;
  /** Each handler's signal, by bot id (sendMessage) or "slow" (configureBot). */
  const signals = new Map<string, AbortSignal>();

  beforeAll(async () => {
    server = await startGrpcServer({
      host: "127.0.0.1",
      port: 0,
      logger,
      metrics,
      services: [
        implement(AdapterService, {
          ...unimplemented(AdapterService),
          sendMessage: async (request, context) => {
            received = request;
            signals.set(request.botId, context.signal);
            switch (request.botId) {
              case "missing":
                throw new AppError("not_found", "BOT_NOT_FOUND", `Bot ${request.botId} does not exist`, { details: { botId: request.botId } });
              case "explode":
                throw new Error("password authentication failed for user \"fleet\" at 10.0.0.5");
              case "whoami":
                return { providerMessageId: `${context.requestId}|${currentContext().requestId ?? ""}` };
              default:
                return { providerMessageId: `wamid.${request.idempotencyKey}`, provider: ProviderKind.TWILIO, replayed: true };
            }
          },
          // Throws before it returns a promise: the mapping must not depend on the handler being async.
          getConnection: (request) => {
            throw new AppError("invalid_argument", "BOT_ID_REQUIRED", `botId is required (tenant ${request.tenantId})`);
          },
          configureBot: async (_request, context) => {
            signals.set("slow", context.signal);
            await delay(500);
            return {};
          },
        }),
      ],
    });
    client = connect(server.port);
    healthClient = new Client(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    healthClient.close();
    await server.stop(1000);
  });

  it("binds a free port when asked for port 0", () => {
    expect(server.port).toBeGreaterThan(0);
  });

  it("round-trips a SendMessage with text content: the handler sees every field and the client gets the response", async () => {
    const response = await client.sendMessage({
      tenantId: "tenant-1",
      botId: "bot-1",
      recipient: "5511999990000",
      idempotencyKey: "idem-1",
      replyToProviderMessageId: "wamid.in-1",
      content: { kind: { case: "text", value: { body: "Olá! Seu pedido saiu 🚚", previewUrl: true } } },
    });

    expect(response).toMatchObject({ providerMessageId: "wamid.idem-1", provider: ProviderKind.TWILIO, replayed: true });
    expect(received).toMatchObject({
      tenantId: "tenant-1",
      botId: "bot-1",
      recipient: "5511999990000",
      idempotencyKey: "idem-1",
      replyToProviderMessageId: "wamid.in-1",
      content: { kind: { case: "text", value: { body: "Olá! Seu pedido saiu 🚚", previewUrl: true } } },
    });
  });

  it("round-trips the media branch of the content oneof with its enum", async () => {
    await client.sendMessage({
      botId: "bot-1",
      idempotencyKey: "idem-2",
      content: { kind: { case: "media", value: { kind: MediaKind.DOCUMENT, url: "https://cdn.example/catalogue.pdf", filename: "catalogue.pdf", mimeType: "application/pdf" } } },
    });

    expect(received?.content?.kind).toMatchObject({
      case: "media",
      value: { kind: MediaKind.DOCUMENT, url: "https://cdn.example/catalogue.pdf", filename: "catalogue.pdf", mimeType: "application/pdf", caption: "" },
    });
  });

  it("delivers a handler's AppError to the client with the same kind, code, message and details", async () => {
    const error = await rejectionOf(client.sendMessage({ tenantId: "tenant-1", botId: "missing" }));

    expect(error).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND", message: "Bot missing does not exist", details: { botId: "missing" } });
    expect(error.retryable).toBe(false);
  });

  it("maps an AppError thrown synchronously by a non-async handler like any other", async () => {
    const error = await rejectionOf(client.getConnection({ tenantId: "tenant-9" }));

    expect(error).toMatchObject({ kind: "invalid_argument", code: "BOT_ID_REQUIRED", message: "botId is required (tenant tenant-9)" });
  });

  it("answers an unknown error as INTERNAL without leaking its message, and logs the real cause", async () => {
    const error = await rejectionOf(runWithContext({ requestId: "req-explode" }, () => client.sendMessage({ botId: "explode" })));

    expect(error).toMatchObject({ kind: "internal", code: "INTERNAL", message: "Internal error" });
    expect(error.details).toBeUndefined();
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain("password");

    const line = lines.find((l) => l.level === "error" && l.requestId === "req-explode");
    expect(line).toMatchObject({ message: "gRPC handler failed", method: "SendMessage", service: "test-adapter" });
    expect(JSON.stringify(line)).toContain("password authentication failed");
  });

  it("rejects with deadline_exceeded when the handler is slower than the call's deadline", async () => {
    const started = Date.now();
    const error = await rejectionOf(client.configureBot({ tenantId: "tenant-1" }, { deadlineMs: 100 }));

    expect(error.kind).toBe("deadline_exceeded");
    expect(error.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(450);
    // The handler still running hears that the call is over.
    await delay(50);
    expect(signals.get("slow")?.aborted).toBe(true);
  });

  it("leaves the signal of a call that answered alone when its stream closes", async () => {
    await client.sendMessage({ tenantId: "tenant-1", botId: "answered", idempotencyKey: "k-answered" });
    await delay(100);
    expect(signals.get("answered")?.aborted).toBe(false);
  });

  it("passes the caller's request id to the handler's context", async () => {
    const response = await runWithContext({ requestId: "req-from-gateway" }, () => client.sendMessage({ botId: "whoami" }));

    expect(response.providerMessageId).toBe("req-from-gateway|req-from-gateway");
  });

  it("gives a call without a request id a fresh one on the server", async () => {
    const response = await client.sendMessage({ botId: "whoami" });

    const [fromCall, fromContext] = response.providerMessageId.split("|");
    expect(fromCall).toMatch(UUID);
    expect(fromContext).toBe(fromCall);
  });

  it("counts handled calls by method and status code", async () => {
    const okBefore = await handledCount(metrics, "SendMessage", "OK");
    const notFoundBefore = await handledCount(metrics, "SendMessage", "NOT_FOUND");

    await client.sendMessage({ botId: "bot-1" });
    await client.sendMessage({ botId: "bot-2" });
    await rejectionOf(client.sendMessage({ botId: "missing" }));

    expect(await handledCount(metrics, "SendMessage", "OK")).toBe(okBefore + 2);
    expect(await handledCount(metrics, "SendMessage", "NOT_FOUND")).toBe(notFoundBefore + 1);
    const exposition = await metrics.registry.metrics();
    expect(exposition).toMatch(/grpc_server_handled_total\{grpc_service="fleet\.adapter\.v1\.AdapterService",grpc_method="SendMessage",grpc_code="NOT_FOUND",service="test-adapter"\} \d+/);
    expect(exposition).toMatch(/grpc_server_handled_total\{grpc_service="fleet\.adapter\.v1\.AdapterService",grpc_method="GetConnection",grpc_code="INVALID_ARGUMENT",service="test-adapter"\} \d+/);
    expect(exposition).toMatch(/grpc_server_handling_seconds_count\{[^}]*grpc_method="SendMessage"[^}]*\} \d+/);
  });

  it.each(["", "fleet.adapter.v1.AdapterService"])("answers the standard health check for %p with SERVING", async (serviceName) => {
    expect(await healthCheck(healthClient, serviceName)).toBe("SERVING");
  });

  it("answers the health check for a service it does not host with NOT_FOUND", async () => {
    await expect(healthCheck(healthClient, "fleet.nope.v1.NopeService")).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it("answers a watch of a service it does not host with SERVICE_UNKNOWN, and keeps the stream open", async () => {
    const watch = healthWatch(healthClient, "fleet.nope.v1.NopeService");
    await watch.next("SERVICE_UNKNOWN");
    watch.call.cancel();
    expect(watch.statuses).toEqual(["SERVICE_UNKNOWN"]);
  });

  it("lists every service it hosts with its status", async () => {
    const method = healthService.List;
    if (!method) throw new Error("grpc-health-check has no List method");
    const listed = await new Promise<unknown>((resolve, reject) => {
      healthClient.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, {}, new Metadata(), { deadline: Date.now() + 2000 }, (error, answer) => (error ? reject(error) : resolve(answer)));
    });
    expect(listed).toEqual({ statuses: { "": { status: "SERVING" }, "fleet.adapter.v1.AdapterService": { status: "SERVING" } } });
  });
});

describe("grpc bridge: unimplemented handlers and stopping", () => {
  const { logger } = memoryLogger();
  let server: RunningGrpcServer;
  let client: ReturnType<typeof connect>;
  let healthClient: Client;

  beforeAll(async () => {
    server = await startGrpcServer({
      host: "127.0.0.1",
      port: 0,
      logger,
      metrics: createMetrics("test-adapter"),
      services: [implement(AdapterService, unimplemented(AdapterService))],
    });
    client = connect(server.port);
    healthClient = new Client(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    healthClient.close();
    await server.stop(200);
  });

  it("answers every method of an unimplemented service with kind unimplemented", async () => {
    const send = await rejectionOf(client.sendMessage({ botId: "bot-1" }));
    const configure = await rejectionOf(client.configureBot({}));

    expect(send).toMatchObject({ kind: "unimplemented", code: "NOT_IMPLEMENTED", message: "fleet.adapter.v1.AdapterService.SendMessage is not implemented yet" });
    expect(configure).toMatchObject({ kind: "unimplemented", message: expect.stringContaining("ConfigureBot") });
  });

  it("turns NOT_SERVING for every service as soon as stop() begins", async () => {
    expect(await healthCheck(healthClient, "")).toBe("SERVING");
    const overall = healthWatch(healthClient, "");
    const adapter = healthWatch(healthClient, "fleet.adapter.v1.AdapterService");
    await Promise.all([overall.next("SERVING"), adapter.next("SERVING")]);

    const stopped = server.stop(2000);
    await Promise.all([overall.next("NOT_SERVING"), adapter.next("NOT_SERVING")]);
    overall.call.cancel();
    adapter.call.cancel();
    await stopped;

    expect(overall.statuses).toEqual(["SERVING", "NOT_SERVING"]);
    expect(adapter.statuses).toEqual(["SERVING", "NOT_SERVING"]);
    // Once stopped, new calls are refused rather than left hanging.
    const after = await rejectionOf(client.sendMessage({ botId: "bot-1" }, { deadlineMs: 500 }));
    expect(["unavailable", "deadline_exceeded"]).toContain(after.kind);
  });
});
