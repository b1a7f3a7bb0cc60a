// Request context carried through async calls so every log line of a request
// names it (requestId, tenantId, botId) without threading it by hand.
import { AsyncLocalStorage } from "node:async_hooks";

export interface RequestContext {
  requestId?: string;
  traceId?: string;
  tenantId?: string;
  botId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

export function currentContext(): RequestContext {
  return storage.getStore() ?? {};
}

/** Adds fields (e.g. tenantId once it is known) to the context of the current request. */
export function extendContext(fields: RequestContext): void {
  const store = storage.getStore();
  if (store) Object.assign(store, fields);
}
