// The tenant's sellers, their schedules and assignments. The repository is built for one tenant
// and every query it runs is bound to that tenant, so no query reaches another tenant's sellers
// or customers by forgetting a WHERE. `transaction` runs several queries atomically; assignment
// decisions run under the tenant's assignment lock (`lockAssignments`).
import type pg from "pg";
import { inTransaction } from "@fleet/service-kit";
import { WeeklyHoursSchema, type WeeklyHours } from "../settings/weekly-hours.js";

export const SELLER_STATUSES = ["online", "offline", "busy"] as const;
export type SellerStatus = (typeof SELLER_STATUSES)[number];
export type AssignmentStrategy = "round_robin" | "least_loaded" | "manual";
export type ReleaseReason = "released" | "timeout" | "reassigned";

export interface SellerRecord {
  id: string;
  /** The dashboard user who is this seller (an agent), if any. */
  userId: string | null;
  name: string;
  phone: string;
  active: boolean;
  status: SellerStatus;
  specialty: string;
  maxConcurrentCustomers: number;
  supervisor: boolean;
  /** Open assignments. */
  currentLoad: number;
  /** Null: no schedule (on duty whenever online). */
  schedule: WeeklyHours | null;
  /** Local dates "YYYY-MM-DD", ascending. */
  daysOff: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface AssignmentRecord {
  id: string;
  sellerId: string;
  sellerName: string;
  customerId: string;
  customerContact: string | null;
  customerName: string;
  reason: string;
  strategy: AssignmentStrategy;
  assignedAt: Date;
  releasedAt: Date | null;
  releaseReason: ReleaseReason | null;
}

export interface NewSeller {
  userId: string | null;
  name: string;
  phone: string;
  active: boolean;
  status: SellerStatus;
  specialty: string;
  maxConcurrentCustomers: number;
  supervisor: boolean;
}

export type SellerChanges = Partial<NewSeller>;

export interface SellerFilters {
  status?: SellerStatus;
  active?: boolean;
  specialty?: string;
  /** Sellers after this (name, id), in name order. */
  after?: { name: string; id: string };
  limit?: number;
}

export interface AssignmentFilters {
  sellerId?: string;
  open?: boolean;
  /** Assignments before this (assignedAt, id), newest first. */
  before?: { assignedAt: Date; id: string };
  limit: number;
}

export interface CustomerRef {
  id: string;
  whatsappId: string | null;
  name: string;
}

interface SellerRow {
  id: string;
  user_id: string | null;
  name: string;
  phone: string;
  active: boolean;
  status: SellerStatus;
  specialty: string;
  max_concurrent_customers: number;
  supervisor: boolean;
  schedule: unknown;
  days_off: string[];
  current_load: number;
  created_at: Date;
  updated_at: Date;
}

interface AssignmentRow {
  id: string;
  seller_id: string;
  seller_name: string;
  customer_id: string;
  customer_contact: string | null;
  customer_name: string;
  reason: string;
  strategy: AssignmentStrategy;
  assigned_at: Date;
  released_at: Date | null;
  release_reason: ReleaseReason | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ScheduleSchema = WeeklyHoursSchema.nullable().catch(null);

const SELLER_COLUMNS = `s.id, s.user_id, s.name, s.phone, s.active, s.status, s.specialty, s.max_concurrent_customers, s.supervisor, s.schedule,
  ARRAY(SELECT to_char(d, 'YYYY-MM-DD') FROM unnest(s.days_off) AS d ORDER BY d) AS days_off, s.created_at, s.updated_at,
  (SELECT count(*)::int FROM seller_assignments a WHERE a.tenant_id = s.tenant_id AND a.seller_id = s.id AND a.released_at IS NULL) AS current_load`;

/** Assignments as the records answer them, read from `assignments` (a table or a statement's rows) as `a`. */
const assignmentsFrom = (assignments: string) => `SELECT a.id, a.seller_id, s.name AS seller_name, a.customer_id, c.whatsapp_id AS customer_contact, c.name AS customer_name,
  a.reason, a.strategy, a.assigned_at, a.released_at, a.release_reason
  FROM ${assignments} a JOIN sellers s ON s.id = a.seller_id JOIN customers c ON c.id = a.customer_id`;
const ASSIGNMENT_FROM = assignmentsFrom("seller_assignments");

function toSeller(row: SellerRow): SellerRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    phone: row.phone,
    active: row.active,
    status: row.status,
    specialty: row.specialty,
    maxConcurrentCustomers: row.max_concurrent_customers,
    supervisor: row.supervisor,
    currentLoad: row.current_load,
    schedule: ScheduleSchema.parse(row.schedule),
    daysOff: row.days_off,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toAssignment(row: AssignmentRow): AssignmentRecord {
  return {
    id: row.id,
    sellerId: row.seller_id,
    sellerName: row.seller_name,
    customerId: row.customer_id,
    customerContact: row.customer_contact,
    customerName: row.customer_name,
    reason: row.reason,
    strategy: row.strategy,
    assignedAt: row.assigned_at,
    releasedAt: row.released_at,
    releaseReason: row.release_reason,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "23505";
}

function tenantSellers(db: pg.Pool | pg.PoolClient, tenantId: string) {
  async function findAssignment(where: string, values: unknown[]): Promise<AssignmentRecord | null> {
    const { rows } = await db.query<AssignmentRow>(`${ASSIGNMENT_FROM} WHERE a.tenant_id = $1 AND ${where}`, [tenantId, ...values]);
    return rows[0] ? toAssignment(rows[0]) : null;
  }

  async function find(sellerId: string): Promise<SellerRecord | null> {
    if (!UUID.test(sellerId)) return null;
    const { rows } = await db.query<SellerRow>(`SELECT ${SELLER_COLUMNS} FROM sellers s WHERE s.tenant_id = $1 AND s.id = $2`, [tenantId, sellerId]);
    return rows[0] ? toSeller(rows[0]) : null;
  }

  return {
    async tenantExists(): Promise<boolean> {
      if (!UUID.test(tenantId)) return false;
      const { rows } = await db.query("SELECT 1 FROM tenants WHERE id = $1", [tenantId]);
      return rows.length > 0;
    },

    async list({ status, active, specialty, after, limit }: SellerFilters): Promise<SellerRecord[]> {
      const { rows } = await db.query<SellerRow>(
        `SELECT ${SELLER_COLUMNS} FROM sellers s
         WHERE s.tenant_id = $1
           AND ($2::text IS NULL OR s.status = $2)
           AND ($3::boolean IS NULL OR s.active = $3)
           AND ($4::text IS NULL OR lower(s.specialty) = lower($4))
           AND ($5::text IS NULL OR (s.name, s.id) > ($5, $6::uuid))
         ORDER BY s.name, s.id
         LIMIT $7`,
        [tenantId, status ?? null, active ?? null, specialty ?? null, after?.name ?? null, after?.id ?? null, limit ?? null],
      );
      return rows.map(toSeller);
    },

    /** Every seller, oldest first: the round robin's order. */
    async inRotationOrder(): Promise<SellerRecord[]> {
      const { rows } = await db.query<SellerRow>(`SELECT ${SELLER_COLUMNS} FROM sellers s WHERE s.tenant_id = $1 ORDER BY s.created_at, s.id`, [tenantId]);
      return rows.map(toSeller);
    },

    find,

    /** The active seller whose phone has these digits (phones are compared by digits only). */
    async findActiveByPhone(digits: string): Promise<SellerRecord | null> {
      if (!/^[0-9]{7,15}$/.test(digits)) return null;
      const { rows } = await db.query<SellerRow>(
        `SELECT ${SELLER_COLUMNS} FROM sellers s WHERE s.tenant_id = $1 AND s.active AND regexp_replace(s.phone, '[^0-9]', '', 'g') = $2 ORDER BY s.created_at LIMIT 1`,
        [tenantId, digits],
      );
      return rows[0] ? toSeller(rows[0]) : null;
    },

    async findByUser(userId: string): Promise<SellerRecord | null> {
      if (!UUID.test(userId)) return null;
      const { rows } = await db.query<SellerRow>(`SELECT ${SELLER_COLUMNS} FROM sellers s WHERE s.tenant_id = $1 AND s.user_id = $2`, [tenantId, userId]);
      return rows[0] ? toSeller(rows[0]) : null;
    },

    async userExists(userId: string): Promise<boolean> {
      if (!UUID.test(userId)) return false;
      const { rows } = await db.query("SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2", [tenantId, userId]);
      return rows.length > 0;
    },

    /** null when the user is already another seller. */
    async create(seller: NewSeller): Promise<SellerRecord | null> {
      try {
        const { rows } = await db.query<{ id: string }>(
          `INSERT INTO sellers (tenant_id, user_id, name, phone, active, status, specialty, max_concurrent_customers, supervisor)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
          [tenantId, seller.userId, seller.name, seller.phone, seller.active, seller.status, seller.specialty, seller.maxConcurrentCustomers, seller.supervisor],
        );
        return rows[0] ? find(rows[0].id) : null;
      } catch (error) {
        if (isUniqueViolation(error)) return null;
        throw error;
      }
    },

    /** null when the seller does not exist; "user_taken" when the user is already another seller. */
    async update(sellerId: string, changes: SellerChanges): Promise<SellerRecord | "user_taken" | null> {
      if (!UUID.test(sellerId)) return null;
      try {
        const { rowCount } = await db.query(
          `UPDATE sellers SET
             user_id = CASE WHEN $3::boolean THEN $4::uuid ELSE user_id END,
             name = COALESCE($5, name), phone = COALESCE($6, phone), active = COALESCE($7, active), status = COALESCE($8, status),
             specialty = COALESCE($9, specialty), max_concurrent_customers = COALESCE($10, max_concurrent_customers),
             supervisor = COALESCE($11, supervisor), updated_at = now()
           WHERE tenant_id = $1 AND id = $2`,
          [
            tenantId,
            sellerId,
            changes.userId !== undefined,
            changes.userId ?? null,
            changes.name ?? null,
            changes.phone ?? null,
            changes.active ?? null,
            changes.status ?? null,
            changes.specialty ?? null,
            changes.maxConcurrentCustomers ?? null,
            changes.supervisor ?? null,
          ],
        );
        return (rowCount ?? 0) > 0 ? find(sellerId) : null;
      } catch (error) {
        if (isUniqueViolation(error)) return "user_taken";
        throw error;
      }
    },

    async setSchedule(sellerId: string, schedule: WeeklyHours | null, daysOff: readonly string[]): Promise<SellerRecord | null> {
      if (!UUID.test(sellerId)) return null;
      const { rowCount } = await db.query("UPDATE sellers SET schedule = $3::jsonb, days_off = $4::date[], updated_at = now() WHERE tenant_id = $1 AND id = $2", [
        tenantId,
        sellerId,
        schedule === null ? null : JSON.stringify(schedule),
        [...daysOff],
      ]);
      return (rowCount ?? 0) > 0 ? find(sellerId) : null;
    },

    /** Serializes the tenant's assignment decisions until the transaction ends (capacity and rotation stay exact). */
    async lockAssignments(): Promise<void> {
      await db.query("SELECT pg_advisory_xact_lock(hashtextextended('seller-assignments:' || $1, 0))", [tenantId]);
    },

    async findCustomer(customerId: string): Promise<CustomerRef | null> {
      if (!UUID.test(customerId)) return null;
      const { rows } = await db.query<{ id: string; whatsapp_id: string | null; name: string }>("SELECT id, whatsapp_id, name FROM customers WHERE tenant_id = $1 AND id = $2", [tenantId, customerId]);
      return rows[0] ? { id: rows[0].id, whatsappId: rows[0].whatsapp_id, name: rows[0].name } : null;
    },

    async findCustomerByContact(whatsappId: string): Promise<CustomerRef | null> {
      const { rows } = await db.query<{ id: string; whatsapp_id: string | null; name: string }>("SELECT id, whatsapp_id, name FROM customers WHERE tenant_id = $1 AND whatsapp_id = $2", [tenantId, whatsappId]);
      return rows[0] ? { id: rows[0].id, whatsappId: rows[0].whatsapp_id, name: rows[0].name } : null;
    },

    openAssignmentOf: (customerId: string) => findAssignment("a.customer_id = $2 AND a.released_at IS NULL", [customerId]),
    assignmentByKey: (key: string) => findAssignment("a.idempotency_key = $2", [key]),
    /** In one query: the assignment made under `key`, else the customer's open one. */
    keyedOrOpenAssignment: (key: string | null, customerId: string) =>
      findAssignment("(a.idempotency_key = $2 OR (a.customer_id = $3 AND a.released_at IS NULL)) ORDER BY a.idempotency_key = $2 DESC NULLS LAST LIMIT 1", [key, customerId]),
    findAssignment: (assignmentId: string) => (UUID.test(assignmentId) ? findAssignment("a.id = $2", [assignmentId]) : Promise.resolve(null)),

    /**
     * Records an assignment and answers it, in one statement; `advanceRotation` also makes its
     * seller the rotation's pointer (the one who got the last automatic assignment).
     */
    async insertAssignment(input: { sellerId: string; customerId: string; reason: string; strategy: AssignmentStrategy; idempotencyKey: string | null; at: Date; advanceRotation?: boolean }): Promise<AssignmentRecord> {
      const { rows } = await db.query<AssignmentRow>(
        `WITH inserted AS (
           INSERT INTO seller_assignments (tenant_id, seller_id, customer_id, reason, strategy, idempotency_key, assigned_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
           RETURNING id, seller_id, customer_id, reason, strategy, assigned_at, released_at, release_reason
         ), rotated AS (
           INSERT INTO seller_rotation (tenant_id, last_seller_id, updated_at) SELECT $1, $2, now() WHERE $8
           ON CONFLICT (tenant_id) DO UPDATE SET last_seller_id = EXCLUDED.last_seller_id, updated_at = now()
         )
         ${assignmentsFrom("inserted")}`,
        [tenantId, input.sellerId, input.customerId, input.reason, input.strategy, input.idempotencyKey, input.at, input.advanceRotation ?? false],
      );
      if (!rows[0]) throw new Error("assignment insert returned no row");
      return toAssignment(rows[0]);
    },

    /** The sellers in rotation order (creation) and the one who got the last automatic assignment, in one query. */
    async rotation(): Promise<{ sellers: SellerRecord[]; lastSellerId: string | null }> {
      const { rows } = await db.query<SellerRow & { rotation_pointer: string | null }>(
        `SELECT ${SELLER_COLUMNS}, (SELECT r.last_seller_id FROM seller_rotation r WHERE r.tenant_id = $1) AS rotation_pointer
         FROM sellers s WHERE s.tenant_id = $1 ORDER BY s.created_at, s.id`,
        [tenantId],
      );
      return { sellers: rows.map(toSeller), lastSellerId: rows[0]?.rotation_pointer ?? null };
    },

    /** Releases an open assignment; null when it is not open (or not this tenant's). */
    async release(assignmentId: string, reason: ReleaseReason, at: Date): Promise<AssignmentRecord | null> {
      if (!UUID.test(assignmentId)) return null;
      const { rowCount } = await db.query("UPDATE seller_assignments SET released_at = $3, release_reason = $4 WHERE tenant_id = $1 AND id = $2 AND released_at IS NULL", [tenantId, assignmentId, at, reason]);
      return (rowCount ?? 0) > 0 ? findAssignment("a.id = $2", [assignmentId]) : null;
    },

    async listAssignments({ sellerId, open, before, limit }: AssignmentFilters): Promise<AssignmentRecord[]> {
      const { rows } = await db.query<AssignmentRow>(
        `${ASSIGNMENT_FROM}
         WHERE a.tenant_id = $1
           AND ($2::uuid IS NULL OR a.seller_id = $2)
           AND ($3::boolean IS NULL OR (a.released_at IS NULL) = $3)
           AND ($4::timestamptz IS NULL OR (a.assigned_at, a.id) < ($4, $5::uuid))
         ORDER BY a.assigned_at DESC, a.id DESC
         LIMIT $6`,
        [tenantId, sellerId ?? null, open ?? null, before?.assignedAt ?? null, before?.id ?? null, limit],
      );
      return rows.map(toAssignment);
    },
  };
}

export type TenantSellers = ReturnType<typeof tenantSellers>;

export function createSellersRepository(pool: pg.Pool) {
  return {
    forTenant: (tenantId: string): TenantSellers => tenantSellers(pool, tenantId),
    /** Runs `work` on one tenant's sellers in a transaction (committed when it resolves). */
    transaction: <T>(tenantId: string, work: (sellers: TenantSellers) => Promise<T>): Promise<T> => inTransaction(pool, (client) => work(tenantSellers(client, tenantId))),
  };
}

export type SellersRepository = ReturnType<typeof createSellersRepository>;
