// gRPC client factory: one typed async function per method. Every call has a
// deadline (the caller's or the client's default) and carries the request id.
import { create, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { Client, Metadata, credentials } from "@grpc/grpc-js";
import { currentContext } from "@fleet/service-kit";
import { toGrpcDefinition } from "./definition.js";
import { fromServiceError } from "./status.js";

export interface CallOptions {
  deadlineMs?: number;
}

export type ServiceClient<T extends GenServiceMethods> = {
  [K in keyof T]: (request: MessageInitShape<T[K]["input"]>, options?: CallOptions) => Promise<MessageShape<T[K]["output"]>>;
} & { close(): void };

export interface ClientOptions {
  /** Deadline applied to calls that do not set their own. Required: no call may wait forever. */
  defaultDeadlineMs: number;
  /** Largest answer accepted (grpc-js default: 4 MiB), e.g. for media files. */
  maxReceiveMessageBytes?: number;
}

export function createServiceClient<T extends GenServiceMethods>(service: GenService<T>, address: string, { defaultDeadlineMs, maxReceiveMessageBytes }: ClientOptions): ServiceClient<T> {
  if (!(defaultDeadlineMs > 0)) throw new Error("defaultDeadlineMs must be positive");
  // Round robin over every address the name resolves to: with `dns:///adapter:50052` calls spread
  // over all replicas instead of sticking to the first one.
  const client = new Client(address, credentials.createInsecure(), {
    "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    ...(maxReceiveMessageBytes ? { "grpc.max_receive_message_length": maxReceiveMessageBytes } : {}),
  });
  const definition = toGrpcDefinition(service);
  const methods: Record<string, unknown> = { close: () => client.close() };
  for (const method of service.methods) {
    const grpcMethod = definition[method.localName];
    if (!grpcMethod) continue;
    methods[method.localName] = (request: MessageInitShape<typeof method.input>, options: CallOptions = {}) =>
      new Promise((resolve, reject) => {
        const metadata = new Metadata();
        const { requestId } = currentContext();
        if (requestId) metadata.set("x-request-id", requestId);
        const deadline = Date.now() + (options.deadlineMs ?? defaultDeadlineMs);
        client.makeUnaryRequest(
          grpcMethod.path,
          grpcMethod.requestSerialize,
          grpcMethod.responseDeserialize,
          create(method.input, request),
          metadata,
          { deadline },
          (error, response) => (error ? reject(fromServiceError(error, method.name)) : resolve(response)),
        );
      });
  }
  return methods as ServiceClient<T>;
}
