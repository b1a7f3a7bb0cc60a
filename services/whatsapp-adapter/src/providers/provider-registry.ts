// The providers this adapter knows, by kind: built from the descriptor list in compose.ts.
import type { ProviderKindName } from "@fleet/contracts";
import type { ProviderDescriptor } from "./provider.js";

export interface ProviderRegistry {
  get(kind: ProviderKindName): ProviderDescriptor | undefined;
  readonly kinds: readonly ProviderKindName[];
}

export function createProviderRegistry(descriptors: readonly ProviderDescriptor[]): ProviderRegistry {
  const byKind = new Map<ProviderKindName, ProviderDescriptor>();
  for (const descriptor of descriptors) {
    if (byKind.has(descriptor.kind)) throw new Error(`provider ${descriptor.kind} is listed twice`);
    byKind.set(descriptor.kind, descriptor);
  }
  return { get: (kind) => byKind.get(kind), kinds: [...byKind.keys()] };
}
