// The options a bot last offered a contact as numbered text (a provider that
// cannot show buttons or lists), so the contact's "2" comes back as the second
// option's id. Replaced by the next offer, dropped by the next message of any
// other kind to that contact (a later "2" then answers that message, not the
// old menu), and forgotten after a day.
import { z } from "zod";
import type { RedisClient } from "@fleet/service-kit";

const TTL_S = 24 * 3600;
const OfferSchema = z.object({
  kind: z.enum(["buttons", "list"]),
  options: z.array(z.object({ id: z.string(), title: z.string(), description: z.string().optional() })),
});

/** Options offered as numbered text, and whether they stood for buttons or list rows. */
export type Offer = z.infer<typeof OfferSchema>;

export interface OfferedChoicesRepository {
  remember(botId: string, contact: string, offer: Offer): Promise<void>;
  forget(botId: string, contact: string): Promise<void>;
  /** What was last offered; null when nothing is (or when the stored value is unreadable). */
  find(botId: string, contact: string): Promise<Offer | null>;
}

export function createOfferedChoicesRepository(redis: RedisClient): OfferedChoicesRepository {
  const key = (botId: string, contact: string) => `choices:${botId}:${contact}`;
  return {
    async remember(botId, contact, offer) {
      await redis.set(key(botId, contact), JSON.stringify(offer), "EX", TTL_S);
    },
    async forget(botId, contact) {
      await redis.del(key(botId, contact));
    },
    async find(botId, contact) {
      const raw = await redis.get(key(botId, contact));
      if (raw === null) return null;
      try {
        const parsed = OfferSchema.safeParse(JSON.parse(raw));
        return parsed.success ? parsed.data : null;
      } catch {
        return null;
      }
    },
  };
}
