// Redis pub/sub between gateway replicas: one channel per tenant, so a replica
// only receives the events of tenants it has clients of, and a message can never
// reach another tenant's sockets. What a replica publishes to a tenant within one
// turn of its event loop (the events of one read of the stream) leaves as one
// publication, in order. ioredis' keyPrefix does not apply to channel
// names, so they carry the fleet's prefix explicitly (several fleets, or test
// files, share one Redis). Classic PUBLISH/SUBSCRIBE also works on a Redis Cluster
// (every node forwards messages), at the cost of cluster-wide traffic.
import type { Logger, RedisClient } from "@fleet/service-kit";
import { DashboardPublicationSchema, MAX_PUSHES_PER_PUBLICATION, type DashboardPush } from "./dashboard-messages.schema.js";

const CHANNEL = "dashboard:";

export function dashboardChannel(keyPrefix: string, tenantId: string): string {
  return `${keyPrefix}${CHANNEL}${tenantId}`;
}

interface Queued {
  events: DashboardPush[];
  waiters: { resolve: (receivers: number) => void; reject: (error: unknown) => void }[];
}

export function createDashboardPublisher({ redis, keyPrefix }: { redis: RedisClient; keyPrefix: string }) {
  let queued = new Map<string, Queued[]>();

  function flush(): void {
    const due = queued;
    queued = new Map();
    for (const [tenantId, publications] of due) {
      for (const { events, waiters } of publications) {
        redis.publish(dashboardChannel(keyPrefix, tenantId), JSON.stringify({ tenantId, events })).then(
          (receivers) => waiters.forEach(({ resolve }) => resolve(receivers)),
          (error: unknown) => waiters.forEach(({ reject }) => reject(error)),
        );
      }
    }
  }

  return {
    /** Sends one event (or KPIs) to every replica with clients of the tenant; resolves with how many replicas got it. */
    publish(tenantId: string, event: DashboardPush): Promise<number> {
      return new Promise((resolve, reject) => {
        if (queued.size === 0) setImmediate(flush);
        const publications = queued.get(tenantId) ?? [];
        queued.set(tenantId, publications);
        let last = publications.at(-1);
        if (!last || last.events.length >= MAX_PUSHES_PER_PUBLICATION) {
          last = { events: [], waiters: [] };
          publications.push(last);
        }
        last.events.push(event);
        last.waiters.push({ resolve, reject });
      });
    },
  };
}

export type DashboardPublisher = ReturnType<typeof createDashboardPublisher>;

export interface DashboardSubscriberOptions {
  /** A connection used for nothing else: SUBSCRIBE puts it in subscriber mode. */
  subscriber: RedisClient;
  keyPrefix: string;
  logger: Logger;
  onEvent: (tenantId: string, event: DashboardPush) => void;
  /** A message on a tenant's channel that is not a valid publication for that tenant. */
  onMalformed: () => void;
}

export function createDashboardSubscriber({ subscriber, keyPrefix, logger, onEvent, onMalformed }: DashboardSubscriberOptions) {
  const ownPrefix = `${keyPrefix}${CHANNEL}`;

  const listener = (channel: string, message: string) => {
    if (!channel.startsWith(ownPrefix)) return;
    const channelTenant = channel.slice(ownPrefix.length);
    let json: unknown;
    try {
      json = JSON.parse(message);
    } catch {
      json = undefined;
    }
    const parsed = DashboardPublicationSchema.safeParse(json);
    // The channel decides who receives it; a body naming another tenant is refused rather than trusted.
    if (!parsed.success || parsed.data.tenantId !== channelTenant) {
      onMalformed();
      logger.warn("malformed dashboard publication skipped", { channel });
      return;
    }
    for (const event of parsed.data.events) onEvent(channelTenant, event);
  };
  subscriber.on("message", listener);

  return {
    async subscribe(tenantId: string): Promise<void> {
      await subscriber.subscribe(dashboardChannel(keyPrefix, tenantId));
    },
    async unsubscribe(tenantId: string): Promise<void> {
      await subscriber.unsubscribe(dashboardChannel(keyPrefix, tenantId));
    },
    /** Stops listening; the connection itself belongs to the caller. */
    detach(): void {
      subscriber.off("message", listener);
    },
  };
}

export type DashboardSubscriber = ReturnType<typeof createDashboardSubscriber>;
