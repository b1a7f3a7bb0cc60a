// Contracts of the fleet: stream/event schemas here; the generated protobuf
// code is imported through the subpaths `@fleet/contracts/adapter`,
// `@fleet/contracts/orchestrator`, `@fleet/contracts/commerce` and `@fleet/contracts/analytics`.
export * from "./streams.js";
export * from "./partitions.js";
export * from "./adapter-names.js";
export * from "./analytics-rollups.js";
export * from "./grpc-callers.js";
