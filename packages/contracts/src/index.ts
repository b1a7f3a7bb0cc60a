// Contracts of the fleet: stream/event schemas here; the generated protobuf
// code is imported through the subpaths `@fleet/contracts/adapter`,
// `@fleet/contracts/orchestrator` and `@fleet/contracts/commerce`.
export * from "./streams.js";
export * from "./partitions.js";
export * from "./adapter-names.js";
export * from "./analytics-rollups.js";
