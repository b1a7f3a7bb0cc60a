// The standard grpc.health.v1 service every fleet server answers (Kubernetes' gRPC probes,
// grpc-health-probe): Check, Watch and List, on the protobuf-es schemas like the fleet's own
// services, served without fleet authentication. Statuses are per service name, "" for the
// server as a whole. (The grpc-health-check package parsed its .proto with protobufjs at every
// start: ~100 ms and ~6 MiB per service.)
import { create } from "@bufbuild/protobuf";
import { Health, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus as ServingStatus, HealthListResponseSchema, type HealthCheckRequest, type HealthCheckResponse, type HealthListResponse } from "@fleet/contracts/health";
import { status, type Server, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { toGrpcDefinition } from "./definition.js";

export type HealthStatus = "SERVING" | "NOT_SERVING";

/** Most services List answers (the standard's guard against huge answers); a fleet server has a handful. */
const LIST_LIMIT = 100;

export interface HealthService {
  setStatus(service: string, status: HealthStatus): void;
  addToServer(server: Server): void;
}

const response = (serving: ServingStatus): HealthCheckResponse => create(HealthCheckResponseSchema, { status: serving });
const servingOf = (value: HealthStatus) => (value === "SERVING" ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);

export function createHealth(initial: Record<string, HealthStatus>): HealthService {
  const statuses = new Map<string, HealthStatus>(Object.entries(initial));
  const watchers = new Map<string, Set<(status: HealthStatus) => void>>();

  const implementation: UntypedServiceImplementation = {
    check(call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) {
      const known = statuses.get(call.request.service);
      if (known) callback(null, response(servingOf(known)));
      else callback({ code: status.NOT_FOUND, details: `Health status unknown for service ${call.request.service}` });
    },
    watch(call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) {
      const name = call.request.service;
      const watcher = (changed: HealthStatus) => void call.write(response(servingOf(changed)));
      const set = watchers.get(name) ?? new Set();
      set.add(watcher);
      watchers.set(name, set);
      call.on("cancelled", () => {
        set.delete(watcher);
        if (set.size === 0 && watchers.get(name) === set) watchers.delete(name);
      });
      const known = statuses.get(name);
      call.write(response(known ? servingOf(known) : ServingStatus.SERVICE_UNKNOWN));
    },
    list(_call: ServerUnaryCall<unknown, HealthListResponse>, callback: sendUnaryData<HealthListResponse>) {
      if (statuses.size > LIST_LIMIT) return callback({ code: status.RESOURCE_EXHAUSTED, details: "Too many services to list." });
      callback(null, create(HealthListResponseSchema, { statuses: Object.fromEntries([...statuses].map(([name, value]) => [name, response(servingOf(value))])) }));
    },
  };

  return {
    setStatus(service, value) {
      statuses.set(service, value);
      for (const watcher of watchers.get(service) ?? []) watcher(value);
    },
    addToServer(server) {
      server.addService(toGrpcDefinition(Health), implementation);
    },
  };
}
