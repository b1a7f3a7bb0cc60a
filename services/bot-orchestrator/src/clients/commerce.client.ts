// The gateway's commerce service (catalogue, customers, orders, sellers, shop settings) over gRPC,
// for the flows' actions. Every call has the deadline given here unless it sets its own.
import { CommerceService } from "@fleet/contracts/commerce";
import { createServiceClient, type ClientAuth } from "@fleet/grpc-bridge";

export function createCommerceClient(address: string, deadlineMs: number, auth?: ClientAuth) {
  return createServiceClient(CommerceService, address, { defaultDeadlineMs: deadlineMs, ...(auth ? { auth } : {}) });
}

/** One typed async function per CommerceService method, and close(). */
export type CommerceClient = ReturnType<typeof createCommerceClient>;
