// The sellers themselves: list, read, create, change, their schedules, and who is on duty now.
// Managers change everything; a seller (an agent linked to a seller by user id) changes only their
// own status (online, offline, busy). The sellers as stored are cached (the sellers part of the
// tenant read cache: dropped by their changes here and by every assignment change, which moves
// their load); who is on duty is worked out from them and the clock on every read.
import { z } from "zod";
import { AppError } from "@fleet/service-kit";
import { authorize, can, type Actor, type Caller } from "../../auth/permissions.js";
import { decodeCursor, pageOf, type Page } from "../../http/pagination.js";
import type { TenantReadsCache } from "../../cache/tenant-reads.cache.js";
import type { SettingsUseCases } from "../settings/settings.use-case.js";
import type { WeeklyHours } from "../settings/weekly-hours.js";
import { hasSpecialty, onDuty } from "./seller-duty.js";
import { StoredSellerSchema } from "./sellers.schemas.js";
import type { NewSeller, SellerChanges, SellerRecord, SellersRepository, SellerStatus } from "./sellers.repository.js";

export interface SellerView extends SellerRecord {
  onDuty: boolean;
}

export interface SellerQuery {
  status?: SellerStatus;
  active?: boolean;
  specialty?: string;
  onDuty?: boolean;
  limit: number;
  cursor?: string;
}

export interface Schedule {
  /** Null: no schedule (on duty whenever online). */
  weekly: WeeklyHours | null;
  daysOff: string[];
}

const sellerNotFound = () => new AppError("not_found", "SELLER_NOT_FOUND", "Seller not found");
const userTaken = () => new AppError("conflict", "SELLER_USER_TAKEN", "This user is already another seller");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SellersCaches {
  sellers: TenantReadsCache;
  /** The cached customers, who show their current seller's name. */
  customers: Pick<TenantReadsCache, "invalidate">;
}

export function createManageSellers({ sellers, caches, settings, now }: { sellers: SellersRepository; caches: SellersCaches; settings: Pick<SettingsUseCases, "readSettings">; now: () => Date }) {
  const rosterReads = caches.sellers.reads(z.array(StoredSellerSchema));
  const sellerReads = caches.sellers.reads(StoredSellerSchema.nullable());
  const find = (tenantId: string, sellerId: string) => sellerReads.read(tenantId, `seller:${sellerId}`, () => sellers.forTenant(tenantId).find(sellerId));
  /** After a change to sellers: their cache and the customers' (who show their seller). */
  const changed = async (tenantId: string) => {
    await caches.sellers.invalidate(tenantId);
    await caches.customers.invalidate(tenantId);
  };

  async function dutyOf(tenantId: string): Promise<(seller: SellerRecord) => SellerView> {
    const { timeZone } = await settings.readSettings(tenantId);
    const at = now();
    return (seller) => ({ ...seller, onDuty: onDuty(seller, at, timeZone) });
  }

  async function assertUserOfTenant(tenantId: string, userId: string | null | undefined): Promise<void> {
    if (userId === null || userId === undefined) return;
    if (!(await sellers.forTenant(tenantId).userExists(userId))) throw new AppError("not_found", "USER_NOT_FOUND", "User not found");
  }

  return {
    async list(actor: Actor, query: SellerQuery): Promise<Page<SellerView>> {
      authorize(actor, "sellers:read");
      let after: { name: string; id: string } | undefined;
      if (query.cursor !== undefined) {
        const [name, id] = decodeCursor(query.cursor, 2);
        if (typeof name !== "string" || typeof id !== "string" || !UUID.test(id)) throw new AppError("invalid_argument", "INVALID_CURSOR", "The cursor is not one this list gave");
        after = { name, id };
      }
      const view = await dutyOf(actor.tenantId);
      // On duty depends on the clock and the time zone, so that filter runs here: a tenant's sellers are tens, not thousands.
      const filters = { status: query.status, active: query.active, specialty: query.specialty, after, limit: query.onDuty === undefined ? query.limit + 1 : undefined };
      const rows = await rosterReads.read(actor.tenantId, `list:${JSON.stringify([filters.status ?? null, filters.active ?? null, filters.specialty ?? null, after ?? null, filters.limit ?? null])}`, () => sellers.forTenant(actor.tenantId).list(filters));
      const views = rows.map(view).filter((seller) => query.onDuty === undefined || seller.onDuty === query.onDuty);
      return pageOf(views.slice(0, query.limit + 1), query.limit, (seller) => [seller.name, seller.id]);
    },

    async get(actor: Actor, sellerId: string): Promise<SellerView> {
      authorize(actor, "sellers:read");
      const seller = await find(actor.tenantId, sellerId);
      if (!seller) throw sellerNotFound();
      return (await dutyOf(actor.tenantId))(seller);
    },

    async create(actor: Actor, input: NewSeller): Promise<SellerView> {
      authorize(actor, "sellers:write");
      await assertUserOfTenant(actor.tenantId, input.userId);
      const created = await sellers.forTenant(actor.tenantId).create(input);
      if (!created) throw userTaken();
      await changed(actor.tenantId);
      return (await dutyOf(actor.tenantId))(created);
    },

    /** A manager changes anything; a seller only their own status. */
    async update(actor: Actor, sellerId: string, changes: SellerChanges): Promise<SellerView> {
      const repo = sellers.forTenant(actor.tenantId);
      if (!can(actor.role, "sellers:write")) {
        authorize(actor, "sellers:self");
        const own = await repo.findByUser(actor.userId);
        const onlyStatus = Object.keys(changes).every((key) => key === "status");
        if (own?.id !== sellerId || !onlyStatus) {
          throw new AppError("permission_denied", "FORBIDDEN", "A seller can only change their own status", { details: { permission: "sellers:write" } });
        }
      }
      await assertUserOfTenant(actor.tenantId, changes.userId);
      const updated = await repo.update(sellerId, changes);
      if (updated === "user_taken") throw userTaken();
      if (!updated) throw sellerNotFound();
      await changed(actor.tenantId);
      return (await dutyOf(actor.tenantId))(updated);
    },

    async getSchedule(actor: Actor, sellerId: string): Promise<Schedule> {
      authorize(actor, "sellers:read");
      const seller = await find(actor.tenantId, sellerId);
      if (!seller) throw sellerNotFound();
      return { weekly: seller.schedule, daysOff: seller.daysOff };
    },

    async putSchedule(actor: Actor, sellerId: string, schedule: Schedule): Promise<Schedule> {
      authorize(actor, "sellers:write");
      const daysOff = [...new Set(schedule.daysOff)].sort();
      const seller = await sellers.forTenant(actor.tenantId).setSchedule(sellerId, schedule.weekly, daysOff);
      if (!seller) throw sellerNotFound();
      await changed(actor.tenantId);
      return { weekly: seller.schedule, daysOff: seller.daysOff };
    },

    /** Active, online, in their schedule now (of a specialty, when given); least loaded first. */
    async onDutyNow(caller: Caller, specialty: string): Promise<SellerRecord[]> {
      authorize(caller, "sellers:read");
      const repo = sellers.forTenant(caller.tenantId);
      if (!(await repo.tenantExists())) throw new AppError("not_found", "TENANT_NOT_FOUND", "Tenant not found");
      const { timeZone } = await settings.readSettings(caller.tenantId);
      const at = now();
      const roster = await rosterReads.read(caller.tenantId, "rotation", () => repo.inRotationOrder());
      const present = roster.filter((seller) => onDuty(seller, at, timeZone) && hasSpecialty(seller, specialty));
      return present.sort((a, b) => a.currentLoad - b.currentLoad);
    },

    /** The active seller with this WhatsApp number: staff chat commands are accepted only from them. */
    async findStaffByPhone(caller: Caller, phone: string): Promise<SellerRecord> {
      authorize(caller, "sellers:read");
      const seller = await sellers.forTenant(caller.tenantId).findActiveByPhone(phone.replace(/\D/g, ""));
      if (!seller) throw new AppError("not_found", "STAFF_NOT_FOUND", "No active seller of this shop has this number");
      return seller;
    },
  };
}

export type ManageSellers = ReturnType<typeof createManageSellers>;
