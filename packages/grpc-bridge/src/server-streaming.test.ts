// Server streaming through a real gRPC server on port 0 and the bridge's real
// client, with AdapterService.WatchConnection as the streaming shape: order,
// the end of a stream, errors, cancellation from either side, deadlines and a
// server that stops while streams are open.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { AppError, createMetrics, runWithContext, type Metrics } from "@fleet/service-kit";
import { memoryLogger, rejectionOf } from "@fleet/testing";
import { AdapterService, ConnectionState, type WatchConnectionResponse } from "@fleet/contracts/adapter";
import { createServiceClient } from "./client.js";
import { implement, startGrpcServer, unimplemented, type CallContext, type RunningGrpcServer } from "./server.js";

const connect = (port: number) => createServiceClient(AdapterService, `127.0.0.1:${port}`, { defaultDeadlineMs: 2000 });
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the server saw of one stream: its signal, and whether the handler's generator was closed. */
interface Observed {
  signal: AbortSignal;
  closed: boolean;
}

/** Waits (≤ 2 s) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt++) await delay(10);
  expect(condition()).toBe(true);
}

/** Every update of a stream, or the AppError that ended it. */
async function drain(stream: AsyncIterable<WatchConnectionResponse>): Promise<{ qrs: string[]; error?: AppError }> {
  const qrs: string[] = [];
  try {
    for await (const message of stream) qrs.push(message.update?.qr ?? "");
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { qrs, error };
  }
  return { qrs };
}

async function handledCount(metrics: Metrics, code: string): Promise<number> {
  const { values } = await metrics.grpcHandled.get();
  return values.find((v) => v.labels.grpc_method === "WatchConnection" && v.labels.grpc_code === code)?.value ?? 0;
}

const update = (qr: string) => ({ update: { botId: "bot-1", state: ConnectionState.AWAITING_PAIRING, qr } });

describe("grpc bridge: server streaming", () => {
  const { logger } = memoryLogger("test-adapter", "error");
  const metrics = createMetrics("test-adapter");
  const observed = new Map<string, Observed>();
  let server: RunningGrpcServer;
  let client: ReturnType<typeof connect>;

  /** A live feed: yields one update, then waits for its signal (as a watch does). */
  async function* endless(botId: string, context: CallContext) {
    const seen: Observed = { signal: context.signal, closed: false };
    observed.set(botId, seen);
    try {
      yield update("QR-1");
      await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
    } finally {
      seen.closed = true;
    }
  }

  beforeAll(async () => {
    server = await startGrpcServer({
      host: "127.0.0.1",
      port: 0,
      logger,
      metrics,
      services: [
        implement(AdapterService, {
          ...unimplemented(AdapterService),
          async *watchConnection(request, context) {
            switch (request.botId) {
              case "three":
                for (const qr of ["QR-A", "QR-B", "QR-C"]) yield update(qr);
                return;
              case "fails-midway":
                yield update("QR-A");
                throw new AppError("failed_precondition", "SESSION_LOST", "The session went away", { details: { botId: request.botId } });
              case "missing":
                throw new AppError("not_found", "BOT_NOT_FOUND", "Bot not found");
              case "explodes":
                throw new Error("connect ECONNREFUSED 10.0.0.7:6379");
              case "whoami":
                yield update(context.requestId);
                return;
              case "many":
                // More than the transport buffers at once: writes wait for the client to read.
                for (let index = 0; index < 2000; index++) yield update(`QR-${index}-${"x".repeat(1000)}`);
                return;
              default:
                yield* endless(request.botId, context);
            }
          },
        }),
      ],
    });
    client = connect(server.port);
  });

  afterAll(async () => {
    client.close();
    await server.stop(200);
  });

  it("delivers every message in order, then ends the iteration with OK", async () => {
    const okBefore = await handledCount(metrics, "OK");
    expect(await drain(client.watchConnection({ botId: "three" }))).toEqual({ qrs: ["QR-A", "QR-B", "QR-C"] });
    expect(await handledCount(metrics, "OK")).toBe(okBefore + 1);
  });

  it("keeps order over many messages that need backpressure", async () => {
    const { qrs } = await drain(client.watchConnection({ botId: "many" }));
    expect(qrs).toHaveLength(2000);
    expect(qrs.every((qr, index) => qr.startsWith(`QR-${index}-`))).toBe(true);
  });

  it("throws the handler's AppError after the messages sent before it, with its kind, code and details", async () => {
    const { qrs, error } = await drain(client.watchConnection({ botId: "fails-midway" }));
    expect(qrs).toEqual(["QR-A"]);
    expect(error).toMatchObject({ kind: "failed_precondition", code: "SESSION_LOST", message: "The session went away", details: { botId: "fails-midway" } });
  });

  it("maps an error before the first message like a unary call's, and hides an unknown one as INTERNAL", async () => {
    const missing = await drain(client.watchConnection({ botId: "missing" }));
    expect(missing).toMatchObject({ qrs: [], error: { kind: "not_found", code: "BOT_NOT_FOUND" } });
    const exploded = await drain(client.watchConnection({ botId: "explodes" }));
    expect(exploded.error).toMatchObject({ kind: "internal", code: "INTERNAL", message: "Internal error" });
    expect(exploded.error?.message).not.toContain("10.0.0.7");
  });

  it("passes the caller's request id, read when the call was made", async () => {
    const stream = runWithContext({ requestId: "req-watch" }, () => client.watchConnection({ botId: "whoami" }));
    expect((await drain(stream)).qrs).toEqual(["req-watch"]);
  });

  it("ends quietly when the caller's signal aborts, and the server's handler is stopped and closed", async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const message of client.watchConnection({ botId: "cancel-by-signal" }, { signal: controller.signal })) {
      seen.push(message.update?.qr ?? "");
      controller.abort();
    }
    expect(seen).toEqual(["QR-1"]);
    await until(() => observed.get("cancel-by-signal")?.closed === true);
    expect(observed.get("cancel-by-signal")?.signal.aborted).toBe(true);
  });

  it("cancels the call when the caller leaves the loop", async () => {
    for await (const message of client.watchConnection({ botId: "cancel-by-break" })) {
      expect(message.update?.qr).toBe("QR-1");
      break;
    }
    await until(() => observed.get("cancel-by-break")?.closed === true);
    expect(observed.get("cancel-by-break")?.signal.aborted).toBe(true);
  });

  it("starts no call for a signal aborted beforehand", async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await drain(client.watchConnection({ botId: "never-started" }, { signal: controller.signal }))).toEqual({ qrs: [] });
    await delay(50);
    expect(observed.has("never-started")).toBe(false);
  });

  it("ends a stream at its deadline: the client gets deadline_exceeded and the handler is stopped", async () => {
    const started = Date.now();
    const { qrs, error } = await drain(client.watchConnection({ botId: "deadline" }, { deadlineMs: 200 }));
    expect(qrs).toEqual(["QR-1"]);
    expect(error).toMatchObject({ kind: "deadline_exceeded" });
    expect(Date.now() - started).toBeLessThan(1500);
    await until(() => observed.get("deadline")?.closed === true);
  });
});

describe("grpc bridge: a stopping server and unimplemented streams", () => {
  const { logger } = memoryLogger("test-adapter", "error");
  let server: RunningGrpcServer;
  let client: ReturnType<typeof connect>;
  let ignoring: AbortSignal | undefined;

  beforeAll(async () => {
    server = await startGrpcServer({
      host: "127.0.0.1",
      port: 0,
      logger,
      metrics: createMetrics("test-adapter"),
      services: [
        implement(AdapterService, {
          ...unimplemented(AdapterService),
          async *watchConnection(request, context) {
            if (request.botId === "unimplemented") {
              yield* unimplemented(AdapterService).watchConnection(request, context);
              return;
            }
            ignoring = context.signal;
            yield update("QR-1");
            // A handler that never looks at its signal: the stream must end anyway.
            await new Promise<never>(() => undefined);
          },
        }),
      ],
    });
    client = connect(server.port);
  });

  afterAll(() => client.close());

  it("answers an unimplemented streaming method with kind unimplemented", async () => {
    const { error } = await drain(client.watchConnection({ botId: "unimplemented" }));
    expect(error).toMatchObject({ kind: "unimplemented", code: "NOT_IMPLEMENTED", message: expect.stringContaining("WatchConnection") });
  });

  it("ends open streams with a retryable UNAVAILABLE when it stops, without waiting for the grace period", async () => {
    const stream = client.watchConnection({ botId: "bot-1" })[Symbol.asyncIterator]();
    expect((await stream.next()).value?.update?.qr).toBe("QR-1");
    const started = Date.now();
    await server.stop(5000);
    expect(Date.now() - started).toBeLessThan(2000);
    const error = await rejectionOf(stream.next());
    expect(error).toMatchObject({ kind: "unavailable", code: "SERVER_STOPPING" });
    expect(error.retryable).toBe(true);
    expect(ignoring?.aborted).toBe(true);
  });
});
