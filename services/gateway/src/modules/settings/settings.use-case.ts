// Reading and changing the shop's settings, and whether the shop is open now (its business hours
// in its time zone). Other modules read settings through `readSettings` (orders: taxRateBps and
// currency; sellers: the time zone).
import { AppError } from "@fleet/service-kit";
import { authorize, type Actor, type Caller } from "../../auth/permissions.js";
import type { SettingsRepository } from "./settings.repository.js";
import { readRateLimitPerMinute, readShopSettings, type SettingsChanges, type ShopSettings } from "./shop-settings.js";
import { isWithin, nextChange, wallClock } from "./weekly-hours.js";

export interface BusinessHoursNow {
  settings: ShopSettings;
  /** The shop's (tenant's) name. */
  tenantName: string;
  openNow: boolean;
  /** When openNow changes; null when the hours never change (open all week, or never open). */
  nextChangeAt: Date | null;
}

function tenantNotFound(): AppError {
  return new AppError("not_found", "TENANT_NOT_FOUND", "Tenant not found");
}

export function createSettingsUseCases({ settings, now }: { settings: SettingsRepository; now: () => Date }) {
  /** A tenant's settings without a permission check: for other modules' use cases, which check their own. */
  async function readSettings(tenantId: string): Promise<ShopSettings> {
    const stored = await settings.find(tenantId);
    if (stored === null) throw tenantNotFound();
    return readShopSettings(stored.document);
  }

  return {
    readSettings,

    /** The tenant's request limit per minute set by an operator (undefined: the default applies), read from the cached document. */
    async rateLimitPerMinute(tenantId: string): Promise<number | undefined> {
      const stored = await settings.find(tenantId);
      return stored === null ? undefined : readRateLimitPerMinute(stored.document);
    },

    async getSettings(caller: Caller): Promise<ShopSettings> {
      authorize(caller, "settings:read");
      return readSettings(caller.tenantId);
    },

    async updateSettings(actor: Actor, changes: SettingsChanges): Promise<ShopSettings> {
      authorize(actor, "settings:write");
      const set: Record<string, unknown> = {};
      const unset: string[] = [];
      for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) continue;
        if (value === null) unset.push(key);
        else set[key] = value;
      }
      const stored = await settings.merge(actor.tenantId, set, unset);
      if (stored === null) throw tenantNotFound();
      return readShopSettings(stored);
    },

    async businessHoursNow(caller: Caller): Promise<BusinessHoursNow> {
      authorize(caller, "settings:read");
      const stored = await settings.find(caller.tenantId);
      if (stored === null) throw tenantNotFound();
      const shop = readShopSettings(stored.document);
      const at = now();
      const open = (wall: ReturnType<typeof wallClock>) => isWithin(shop.businessHours, wall);
      return { settings: shop, tenantName: stored.name, openNow: open(wallClock(at, shop.timeZone)), nextChangeAt: nextChange(at, shop.timeZone, shop.businessHours, open) };
    },
  };
}

export type SettingsUseCases = ReturnType<typeof createSettingsUseCases>;
