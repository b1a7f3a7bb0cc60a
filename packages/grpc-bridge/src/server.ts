// gRPC server factory: typed handlers from generated service descriptors,
// the standard grpc.health.v1 service, and one interceptor-like wrapper per
// call for request context, logging, metrics and AppError mapping.
import { create, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { Server, ServerCredentials, status, type Metadata, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { AppError, runWithContext, toAppError, type Logger, type Metrics } from "@fleet/service-kit";
import { HealthImplementation } from "grpc-health-check";
import { randomUUID } from "node:crypto";
import { toGrpcDefinition } from "./definition.js";
import { toStatusObject } from "./status.js";

export interface CallContext {
  metadata: Metadata;
  /** Absolute deadline set by the caller, if any. */
  deadline: Date | number;
  requestId: string;
}

export type ServiceHandlers<T extends GenServiceMethods> = {
  [K in keyof T]: (request: MessageShape<T[K]["input"]>, context: CallContext) => Promise<MessageInitShape<T[K]["output"]>>;
};

/** The handlers of a generated service descriptor (`HandlersOf<typeof CommerceService>`). */
export type HandlersOf<S> = S extends GenService<infer T> ? ServiceHandlers<T> : never;

export interface ServiceRegistration {
  service: GenService<GenServiceMethods>;
  handlers: Record<string, (request: never, context: CallContext) => Promise<unknown>>;
}

export function implement<T extends GenServiceMethods>(service: GenService<T>, handlers: ServiceHandlers<T>): ServiceRegistration {
  return { service: service as unknown as GenService<GenServiceMethods>, handlers: handlers as unknown as ServiceRegistration["handlers"] };
}

/** Handlers that answer UNIMPLEMENTED for every method: the contract exists, the behaviour comes later. */
export function unimplemented<T extends GenServiceMethods>(service: GenService<T>): ServiceHandlers<T> {
  const handlers: Record<string, () => Promise<never>> = {};
  for (const method of service.methods) {
    handlers[method.localName] = () => Promise.reject(new AppError("unimplemented", "NOT_IMPLEMENTED", `${service.typeName}.${method.name} is not implemented yet`));
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
}

export interface RunningGrpcServer {
  port: number;
  health: HealthImplementation;
  /** Marks the server NOT_SERVING, lets in-flight calls finish, then stops. */
  stop(graceMs?: number): Promise<void>;
}

export async function startGrpcServer({ host, port, logger, metrics, services, maxReceiveMessageBytes }: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new Server(maxReceiveMessageBytes ? { "grpc.max_receive_message_length": maxReceiveMessageBytes } : {});
  const statusMap: Record<string, "SERVING"> = { "": "SERVING" };
  for (const { service, handlers } of services) {
    statusMap[service.typeName] = "SERVING";
    const implementation: UntypedServiceImplementation = {};
    for (const method of service.methods) {
      const handler = handlers[method.localName];
      if (!handler) throw new Error(`${service.typeName}.${method.name} has no handler`);
      const labels = { grpc_service: service.typeName, grpc_method: method.name };
      implementation[method.localName] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        const incoming = call.metadata.get("x-request-id")[0];
        const requestId = typeof incoming === "string" && incoming.length <= 128 ? incoming : randomUUID();
        const stopTimer = metrics.grpcDuration.startTimer(labels);
        runWithContext({ requestId }, () => {
          // Through a promise so a handler that throws before returning one still maps to its status.
          new Promise<unknown>((resolve) => resolve(handler(call.request as never, { metadata: call.metadata, deadline: call.getDeadline(), requestId })))
            .then((result) => {
              metrics.grpcHandled.inc({ ...labels, grpc_code: "OK" });
              callback(null, create(method.output, result as MessageInitShape<typeof method.output>));
            })
            .catch((error: unknown) => {
              const appError = toAppError(error);
              const statusObject = toStatusObject(appError);
              metrics.grpcHandled.inc({ ...labels, grpc_code: status[statusObject.code ?? status.UNKNOWN] ?? "UNKNOWN" });
              if (appError.kind === "internal") logger.error("gRPC handler failed", { method: labels.grpc_method, error: appError.cause ?? appError });
              else logger.debug("gRPC call rejected", { method: labels.grpc_method, code: appError.code });
              callback(statusObject, null);
            })
            .finally(() => stopTimer());
        });
      };
    }
    server.addService(toGrpcDefinition(service), implementation);
  }
  const health = new HealthImplementation(statusMap);
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
