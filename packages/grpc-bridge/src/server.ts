// gRPC server factory: typed handlers from generated service descriptors,
// the standard grpc.health.v1 service, and one interceptor-like wrapper per
// call for request context, logging, metrics and AppError mapping.
// Server-streaming methods are served from an async iterable (an async
// generator): each message it yields is written with backpressure; it is
// stopped (its `signal` aborts, and the iteration is returned) when the client
// cancels, the deadline passes or the server stops, and an error it throws
// ends the stream with the same status a unary handler's error would get.
// With `auth`, every call must carry a service token addressed to this server from a service
// allowed to call the method (auth.ts); otherwise it ends UNAUTHENTICATED or PERMISSION_DENIED
// before its handler runs.
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { create, type DescMethod, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import {
  Server,
  ServerCredentials,
  status,
  type Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type StatusObject,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { AppError, runWithContext, toAppError, type Logger, type Metrics } from "@fleet/service-kit";
import { authorizeCall, type FleetServiceName, type ServerAuth } from "./auth.js";
import { toGrpcDefinition } from "./definition.js";
import { createHealth, type HealthService, type HealthStatus } from "./health.js";
import { toStatusObject } from "./status.js";

export interface CallContext {
  metadata: Metadata;
  /** Absolute deadline set by the caller, if any. */
  deadline: Date | number;
  requestId: string;
  /** Aborts when the call is over for the server: the client cancelled, the deadline passed, or the server is stopping. */
  signal: AbortSignal;
  /** The calling service, when the server authenticates calls. */
  caller?: FleetServiceName;
}

type UnaryHandler<M extends GenServiceMethods[string]> = (request: MessageShape<M["input"]>, context: CallContext) => Promise<MessageInitShape<M["output"]>>;
/** A server-streaming method: every value the iterable yields is one message; returning ends the stream with OK. */
type ServerStreamingHandler<M extends GenServiceMethods[string]> = (request: MessageShape<M["input"]>, context: CallContext) => AsyncIterable<MessageInitShape<M["output"]>>;

export type ServiceHandlers<T extends GenServiceMethods> = {
  [K in keyof T]: T[K]["methodKind"] extends "server_streaming" ? ServerStreamingHandler<T[K]> : UnaryHandler<T[K]>;
};

/** The handlers of a generated service descriptor (`HandlersOf<typeof CommerceService>`). */
export type HandlersOf<S> = S extends GenService<infer T> ? ServiceHandlers<T> : never;

export interface ServiceRegistration {
  service: GenService<GenServiceMethods>;
  handlers: Record<string, (request: never, context: CallContext) => Promise<unknown> | AsyncIterable<unknown>>;
}

export function implement<T extends GenServiceMethods>(service: GenService<T>, handlers: ServiceHandlers<T>): ServiceRegistration {
  return { service: service as unknown as GenService<GenServiceMethods>, handlers: handlers as unknown as ServiceRegistration["handlers"] };
}

/** An iterable whose first step fails with `error` (an unimplemented or refused stream). */
function failingIterable(error: AppError): AsyncIterable<never> {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }) };
}

/** Handlers that answer UNIMPLEMENTED for every method: the contract exists, the behaviour comes later. */
export function unimplemented<T extends GenServiceMethods>(service: GenService<T>): ServiceHandlers<T> {
  const handlers: Record<string, () => Promise<never> | AsyncIterable<never>> = {};
  for (const method of service.methods) {
    const error = () => new AppError("unimplemented", "NOT_IMPLEMENTED", `${service.typeName}.${method.name} is not implemented yet`);
    handlers[method.localName] = method.methodKind === "server_streaming" ? () => failingIterable(error()) : () => Promise.reject(error());
  }
  return handlers as unknown as ServiceHandlers<T>;
}

export interface GrpcServerOptions {
  host: string;
  port: number;
  logger: Logger;
  metrics: Metrics;
  services: ServiceRegistration[];
  /** Largest request accepted (grpc-js default: 4 MiB), e.g. for uploaded files. */
  maxReceiveMessageBytes?: number;
  /** Service-to-service authentication: every service's main passes it; absent only in in-process tests. */
  auth?: ServerAuth;
}

export interface RunningGrpcServer {
  port: number;
  health: HealthService;
  /** Marks the server NOT_SERVING, lets in-flight calls finish, then stops. */
  stop(graceMs?: number): Promise<void>;
}

export async function startGrpcServer({ host, port, logger, metrics, services, maxReceiveMessageBytes, auth }: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new Server(maxReceiveMessageBytes ? { "grpc.max_receive_message_length": maxReceiveMessageBytes } : {});
  const statusMap: Record<string, HealthStatus> = { "": "SERVING" };
  // Streams in progress: stopping the server ends them (UNAVAILABLE, so clients go to another replica)
  // instead of holding the shutdown until its grace period runs out.
  const openStreams = new Set<AbortController>();

  const requestIdOf = (metadata: Metadata) => {
    const incoming = metadata.get("x-request-id")[0];
    return typeof incoming === "string" && incoming.length <= 128 ? incoming : randomUUID();
  };

  /** The calling service (undefined without auth), or the AppError that refuses the call. */
  const callerOf = async (metadata: Metadata, labels: { grpc_service: string; grpc_method: string }, method: DescMethod): Promise<FleetServiceName | undefined> => {
    if (!auth) return undefined;
    const authorization = metadata.get("authorization")[0];
    return authorizeCall(auth, labels.grpc_service, method.localName, typeof authorization === "string" ? authorization : undefined);
  };

  /** The status a failed call ends with, counted and logged like every call of the server. */
  const failure = (error: unknown, labels: { grpc_service: string; grpc_method: string }): Partial<StatusObject> => {
    const appError = toAppError(error);
    const statusObject = toStatusObject(appError);
    metrics.grpcHandled.inc({ ...labels, grpc_code: status[statusObject.code ?? status.UNKNOWN] ?? "UNKNOWN" });
    if (appError.kind === "internal") logger.error("gRPC handler failed", { method: labels.grpc_method, error: appError.cause ?? appError });
    else logger.debug("gRPC call rejected", { method: labels.grpc_method, code: appError.code });
    return statusObject;
  };

  const serveUnary = (method: DescMethod, handler: ServiceRegistration["handlers"][string], labels: { grpc_service: string; grpc_method: string }) => (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
    const requestId = requestIdOf(call.metadata);
    const controller = new AbortController();
    // grpc-js reports "cancelled" when the call's stream closes, also after a call that answered:
    // the signal follows it only until the handler is done (an abort builds an error with a stack).
    const cancelled = () => controller.abort();
    call.once("cancelled", cancelled);
    const stopTimer = metrics.grpcDuration.startTimer(labels);
    runWithContext({ requestId }, () => {
      // Through a promise so a handler that throws before returning one still maps to its status.
      callerOf(call.metadata, labels, method)
        .then((caller) => handler(call.request as never, { metadata: call.metadata, deadline: call.getDeadline(), requestId, signal: controller.signal, ...(caller ? { caller } : {}) }))
        .then((result) => {
          metrics.grpcHandled.inc({ ...labels, grpc_code: "OK" });
          callback(null, create(method.output, result as MessageInitShape<typeof method.output>));
        })
        .catch((error: unknown) => callback(failure(error, labels), null))
        .finally(() => {
          call.removeListener("cancelled", cancelled);
          stopTimer();
        });
    });
  };

  // No duration histogram for streams: how long one lasts is how long its client watches, not latency.
  const serveServerStream = (method: DescMethod, handler: ServiceRegistration["handlers"][string], labels: { grpc_service: string; grpc_method: string }) => (call: ServerWritableStream<unknown, unknown>) => {
    const requestId = requestIdOf(call.metadata);
    const controller = new AbortController();
    let clientGone = false;
    call.once("cancelled", () => {
      clientGone = true;
      controller.abort();
    });
    // grpc-js cancels a call whose deadline passed (seen above as "cancelled"); this timer also stops a
    // handler that is waiting for its next message rather than writing.
    const deadline = call.getDeadline();
    const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
    const deadlineTimer = Number.isFinite(deadlineMs) ? setTimeout(() => controller.abort(new AppError("deadline_exceeded", "DEADLINE_EXCEEDED", "The call's deadline passed")), Math.max(0, deadlineMs - Date.now())) : null;
    openStreams.add(controller);
    runWithContext({ requestId }, () => {
      const run = async () => {
        const { signal } = controller;
        const caller = await callerOf(call.metadata, labels, method);
        const messages = handler(call.request as never, { metadata: call.metadata, deadline, requestId, signal, ...(caller ? { caller } : {}) }) as AsyncIterable<MessageInitShape<typeof method.output>>;
        const iterator = messages[Symbol.asyncIterator]();
        // Raced against every wait, so the call ends on time even when a handler overlooks its signal.
        const stopped = new Promise<never>((_, reject) => {
          const stop = () => reject(signal.reason instanceof AppError ? signal.reason : new AppError("unavailable", "SERVER_STOPPING", "The server is stopping; call again"));
          if (signal.aborted) stop();
          else signal.addEventListener("abort", stop, { once: true });
        });
        stopped.catch(() => undefined);
        let finished = false;
        try {
          for (;;) {
            const step = await Promise.race([iterator.next(), stopped]);
            if (step.done) {
              finished = true;
              return;
            }
            if (!call.write(create(method.output, step.value))) await Promise.race([once(call, "drain"), stopped]);
          }
        } finally {
          // Lets a generator run its `finally` (unsubscribe, close) when the stream stopped early.
          if (!finished) void iterator.return?.()?.catch(() => undefined);
        }
      };
      run()
        .then(() => {
          metrics.grpcHandled.inc({ ...labels, grpc_code: "OK" });
          call.end();
        })
        .catch((error: unknown) => {
          if (clientGone) {
            metrics.grpcHandled.inc({ ...labels, grpc_code: "CANCELLED" });
            return;
          }
          // The "error" event is how grpc-js ends a server stream with a status.
          call.emit("error", failure(error, labels));
        })
        .finally(() => {
          if (deadlineTimer) clearTimeout(deadlineTimer);
          openStreams.delete(controller);
        });
    });
  };

  for (const { service, handlers } of services) {
    statusMap[service.typeName] = "SERVING";
    const implementation: UntypedServiceImplementation = {};
    for (const method of service.methods) {
      const handler = handlers[method.localName];
      if (!handler) throw new Error(`${service.typeName}.${method.name} has no handler`);
      const labels = { grpc_service: service.typeName, grpc_method: method.name };
      implementation[method.localName] = method.methodKind === "server_streaming" ? serveServerStream(method, handler, labels) : serveUnary(method, handler, labels);
    }
    server.addService(toGrpcDefinition(service), implementation);
  }
  const health = createHealth(statusMap);
  health.addToServer(server);

  const boundPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, actual) => (error ? reject(error) : resolve(actual)));
  });

  return {
    port: boundPort,
    health,
    stop: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        for (const name of Object.keys(statusMap)) health.setStatus(name, "NOT_SERVING");
        for (const stream of openStreams) stream.abort();
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
