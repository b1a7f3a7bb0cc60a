// gRPC client factory: one typed async function per method. Every unary call
// has a deadline (the caller's or the client's default) and carries the
// request id. A server-streaming method returns an async iterable of its
// messages: the call starts when iteration does, ends with the server's OK,
// throws the server's AppError, and is cancelled by `signal` (the iteration
// then just ends) or by leaving the loop. A stream is meant to last (a live
// feed): it has a deadline only when the caller sets one. With `auth`, every call carries the
// calling service's token (auth.ts); it is signed ahead, so a call waits for it only once in a while.
import { create, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { Client, Metadata, credentials } from "@grpc/grpc-js";
import { currentContext } from "@fleet/service-kit";
import type { ClientAuth } from "./auth.js";
import { toGrpcDefinition } from "./definition.js";
import { fromServiceError } from "./status.js";

export interface CallOptions {
  deadlineMs?: number;
}

export interface StreamCallOptions {
  /** Ends the stream: the server sees the call cancelled, the iteration ends without an error. */
  signal?: AbortSignal;
  deadlineMs?: number;
}

export type ServiceClient<T extends GenServiceMethods> = {
  [K in keyof T]: T[K]["methodKind"] extends "server_streaming"
    ? (request: MessageInitShape<T[K]["input"]>, options?: StreamCallOptions) => AsyncIterable<MessageShape<T[K]["output"]>>
    : (request: MessageInitShape<T[K]["input"]>, options?: CallOptions) => Promise<MessageShape<T[K]["output"]>>;
} & { close(): void };

export interface ClientOptions {
  /** Deadline applied to calls that do not set their own. Required: no call may wait forever. */
  defaultDeadlineMs: number;
  /** Largest answer accepted (grpc-js default: 4 MiB), e.g. for media files. */
  maxReceiveMessageBytes?: number;
  /** The calling service's token for every call (every fleet service passes it). */
  auth?: ClientAuth;
}

export function createServiceClient<T extends GenServiceMethods>(service: GenService<T>, address: string, { defaultDeadlineMs, maxReceiveMessageBytes, auth }: ClientOptions): ServiceClient<T> {
  if (!(defaultDeadlineMs > 0)) throw new Error("defaultDeadlineMs must be positive");
  // Round robin over every address the name resolves to: with `dns:///adapter:50052` calls spread
  // over all replicas instead of sticking to the first one.
  const client = new Client(address, credentials.createInsecure(), {
    "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    ...(maxReceiveMessageBytes ? { "grpc.max_receive_message_length": maxReceiveMessageBytes } : {}),
  });
  const definition = toGrpcDefinition(service);
  const methods: Record<string, unknown> = { close: () => client.close() };
  const metadataOfContext = () => {
    const metadata = new Metadata();
    const { requestId } = currentContext();
    if (requestId) metadata.set("x-request-id", requestId);
    return metadata;
  };
  const authorize = async (metadata: Metadata) => {
    if (auth) metadata.set("authorization", `Bearer ${await auth.token()}`);
    return metadata;
  };
  for (const method of service.methods) {
    const grpcMethod = definition[method.localName];
    if (!grpcMethod) continue;
    if (method.methodKind === "server_streaming") {
      methods[method.localName] = (request: MessageInitShape<typeof method.input>, { signal, deadlineMs }: StreamCallOptions = {}) => {
        // Read now: the iteration may start later, outside the caller's context.
        const metadata = metadataOfContext();
        return (async function* stream() {
          if (signal?.aborted) return;
          await authorize(metadata);
          const call = client.makeServerStreamRequest(grpcMethod.path, grpcMethod.requestSerialize, grpcMethod.responseDeserialize, create(method.input, request), metadata, {
            deadline: deadlineMs === undefined ? Infinity : Date.now() + deadlineMs,
          });
          const cancel = () => call.cancel();
          signal?.addEventListener("abort", cancel, { once: true });
          try {
            for await (const message of call) yield message as MessageShape<typeof method.output>;
          } catch (error) {
            if (signal?.aborted) return;
            throw fromServiceError(error, method.name);
          } finally {
            signal?.removeEventListener("abort", cancel);
            // The caller left the loop early: the server stops streaming too.
            call.cancel();
          }
        })();
      };
      continue;
    }
    methods[method.localName] = async (request: MessageInitShape<typeof method.input>, options: CallOptions = {}) => {
      const deadline = Date.now() + (options.deadlineMs ?? defaultDeadlineMs);
      const metadata = await authorize(metadataOfContext());
      const message = create(method.input, request);
      return new Promise((resolve, reject) => {
        // grpc-js records the caller's stack on every call (a new Error) for the rare one that fails:
        // about 1 % of a busy caller's CPU. A failure's AppError names the method instead.
        const stackTraceLimit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
          client.makeUnaryRequest(
            grpcMethod.path,
            grpcMethod.requestSerialize,
            grpcMethod.responseDeserialize,
            message,
            metadata,
            { deadline },
            (error, response) => (error ? reject(fromServiceError(error, method.name)) : resolve(response)),
          );
        } finally {
          Error.stackTraceLimit = stackTraceLimit;
        }
      });
    };
  }
  return methods as ServiceClient<T>;
}
