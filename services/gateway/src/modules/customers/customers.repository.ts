// The tenant's customers. Built for one tenant: every query is bound to it, so another tenant's
// customer id finds nothing. A WhatsApp contact is one customer per tenant (unique index), which
// makes the upsert from conversations a single statement, safe under concurrent messages. Every
// customer read also says who their seller is now (their open assignment, see the sellers module),
// and the search is on a folded copy of name, phone and WhatsApp id (accents and case ignored,
// trigram-indexed: migration customers-search).
import type pg from "pg";
import { z } from "zod";
import { EXACT_CREATED_AT, type CreatedPosition } from "./created-cursor.js";

export const AddressSchema = z
  .object({
    label: z.string().trim().max(60).default(""),
    line1: z.string().trim().min(1).max(200),
    line2: z.string().trim().max(200).default(""),
    city: z.string().trim().max(100).default(""),
    state: z.string().trim().max(100).default(""),
    postalCode: z.string().trim().max(20).default(""),
    country: z.string().trim().max(60).default(""),
    notes: z.string().trim().max(500).default(""),
  })
  .strip();

export type Address = z.infer<typeof AddressSchema>;

/** The seller attending the customer now (their open assignment). */
export interface CurrentSeller {
  id: string;
  name: string;
}

export interface CustomerRecord {
  id: string;
  whatsappId: string | null;
  name: string;
  phone: string | null;
  nationalId: string | null;
  addresses: Address[];
  priceTier: string;
  tags: string[];
  notes: string;
  firstContactAt: string | null;
  lastContactAt: string | null;
  createdAt: string;
  updatedAt: string;
  seller: CurrentSeller | null;
}

interface CustomerRow {
  id: string;
  whatsapp_id: string | null;
  name: string;
  phone: string | null;
  national_id: string | null;
  addresses: unknown;
  price_tier: string;
  tags: string[];
  notes: string;
  first_contact_at: Date | null;
  last_contact_at: Date | null;
  created_at: Date;
  updated_at: Date;
  seller: unknown;
}

// A customer has at most one open assignment (unique index), so this is one index lookup per row.
// It names `customers` (not an alias) so it also works in INSERT/UPDATE … RETURNING.
const CURRENT_SELLER = `(SELECT json_build_object('id', s.id, 'name', s.name) FROM seller_assignments a JOIN sellers s ON s.tenant_id = a.tenant_id AND s.id = a.seller_id
  WHERE a.tenant_id = customers.tenant_id AND a.customer_id = customers.id AND a.released_at IS NULL) AS seller`;
const COLUMNS = `id, whatsapp_id, name, phone, national_id, addresses, price_tier, tags, notes, first_contact_at, last_contact_at, created_at, updated_at, ${CURRENT_SELLER}`;
const CurrentSellerSchema = z.object({ id: z.string(), name: z.string() }).nullable().catch(null);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Addresses are JSON written by this module, but a hand-edited one that does not fit is dropped, not a 500. */
function addressesOf(value: unknown): Address[] {
  const parsed = z.array(z.unknown()).safeParse(value);
  if (!parsed.success) return [];
  return parsed.data.flatMap((item) => {
    const address = AddressSchema.safeParse(item);
    return address.success ? [address.data] : [];
  });
}

function toCustomer(row: CustomerRow): CustomerRecord {
  return {
    id: row.id,
    whatsappId: row.whatsapp_id,
    name: row.name,
    phone: row.phone,
    nationalId: row.national_id,
    addresses: addressesOf(row.addresses),
    priceTier: row.price_tier,
    tags: row.tags,
    notes: row.notes,
    firstContactAt: row.first_contact_at?.toISOString() ?? null,
    lastContactAt: row.last_contact_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    seller: CurrentSellerSchema.parse(row.seller),
  };
}

export interface NewCustomer {
  whatsappId?: string | null;
  name: string;
  phone?: string | null;
  nationalId?: string | null;
  addresses: Address[];
  priceTier: string;
  tags: string[];
  notes: string;
}

export type CustomerChanges = Partial<NewCustomer>;

export interface CustomerFilter {
  /** Part of the name or of the phone / WhatsApp id, whatever the case and accents. */
  q?: string;
  tag?: string;
  priceTier?: string;
  /** Only the customers this seller attends now (their open assignment). */
  sellerId?: string;
  limit: number;
  /** The last row of the previous page. */
  after?: CreatedPosition;
}

/** Escapes LIKE wildcards so a search for "50%" means those characters. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** A database error code (pg's errors carry the SQLSTATE in `code`). */
export function sqlState(error: unknown): string | undefined {
  return error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined;
}

export interface TenantCustomers {
  list(filter: CustomerFilter): Promise<Array<{ customer: CustomerRecord; position: CreatedPosition }>>;
  find(customerId: string): Promise<CustomerRecord | null>;
  findByWhatsapp(whatsappId: string): Promise<CustomerRecord | null>;
  /** null when the WhatsApp id belongs to another customer of the tenant. */
  create(customer: NewCustomer): Promise<CustomerRecord | null>;
  /** null when not found; throws 23505 (unique) when the WhatsApp id is taken. */
  update(customerId: string, changes: CustomerChanges): Promise<CustomerRecord | null>;
  /** Creates the contact's customer or refreshes its name (when one is given) and last contact. */
  upsertByWhatsapp(whatsappId: string, name: string, phone: string | null): Promise<{ customer: CustomerRecord; created: boolean }>;
}

export function tenantCustomers(db: pg.Pool | pg.PoolClient, tenantId: string): TenantCustomers {
  return {
    async list({ q, tag, priceTier, sellerId, limit, after }) {
      const where = ["tenant_id = $1"];
      const values: unknown[] = [tenantId];
      const add = (sql: (n: number) => string, value: unknown) => {
        values.push(value);
        where.push(sql(values.length));
      };
      // Folded like search_text; LIKE's wildcards and escapes are untouched by folding.
      if (q) add((n) => `search_text LIKE catalogue_fold($${n})`, likePattern(q));
      if (tag) add((n) => `tags @> ARRAY[$${n}::text]`, tag);
      if (priceTier) add((n) => `price_tier = $${n}`, priceTier);
      if (sellerId) {
        add(
          (n) => `EXISTS (SELECT 1 FROM seller_assignments a WHERE a.tenant_id = customers.tenant_id AND a.customer_id = customers.id AND a.released_at IS NULL AND a.seller_id = $${n}::uuid)`,
          sellerId,
        );
      }
      if (after) {
        values.push(after.createdAt, after.id);
        where.push(`(created_at, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
      }
      values.push(limit + 1);
      const { rows } = await db.query<CustomerRow & { position_at: string }>(
        `SELECT ${COLUMNS}, ${EXACT_CREATED_AT} AS position_at FROM customers WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT $${values.length}`,
        values,
      );
      return rows.map((row) => ({ customer: toCustomer(row), position: { createdAt: row.position_at, id: row.id } }));
    },
    async find(customerId) {
      if (!UUID.test(customerId)) return null;
      const { rows } = await db.query<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE tenant_id = $1 AND id = $2`, [tenantId, customerId]);
      return rows[0] ? toCustomer(rows[0]) : null;
    },
    async findByWhatsapp(whatsappId) {
      const { rows } = await db.query<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE tenant_id = $1 AND whatsapp_id = $2`, [tenantId, whatsappId]);
      return rows[0] ? toCustomer(rows[0]) : null;
    },
    async create(customer) {
      const { rows } = await db.query<CustomerRow>(
        `INSERT INTO customers (tenant_id, whatsapp_id, name, phone, national_id, addresses, price_tier, tags, notes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (tenant_id, whatsapp_id) WHERE whatsapp_id IS NOT NULL DO NOTHING RETURNING ${COLUMNS}`,
        [tenantId, customer.whatsappId ?? null, customer.name, customer.phone ?? null, customer.nationalId ?? null, JSON.stringify(customer.addresses), customer.priceTier, customer.tags, customer.notes],
      );
      return rows[0] ? toCustomer(rows[0]) : null;
    },
    async update(customerId, changes) {
      if (!UUID.test(customerId)) return null;
      const has = (key: keyof CustomerChanges) => Object.hasOwn(changes, key);
      // $n::boolean says whether the field was sent, so an explicit null clears an optional field.
      const { rows } = await db.query<CustomerRow>(
        `UPDATE customers SET
           whatsapp_id = CASE WHEN $3 THEN $4 ELSE whatsapp_id END,
           name = COALESCE($5, name),
           phone = CASE WHEN $6 THEN $7 ELSE phone END,
           national_id = CASE WHEN $8 THEN $9 ELSE national_id END,
           addresses = COALESCE($10::jsonb, addresses),
           price_tier = COALESCE($11, price_tier),
           tags = COALESCE($12::text[], tags),
           notes = COALESCE($13, notes),
           updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [
          tenantId,
          customerId,
          has("whatsappId"),
          changes.whatsappId ?? null,
          changes.name ?? null,
          has("phone"),
          changes.phone ?? null,
          has("nationalId"),
          changes.nationalId ?? null,
          changes.addresses ? JSON.stringify(changes.addresses) : null,
          changes.priceTier ?? null,
          changes.tags ?? null,
          changes.notes ?? null,
        ],
      );
      return rows[0] ? toCustomer(rows[0]) : null;
    },
    async upsertByWhatsapp(whatsappId, name, phone) {
      // xmax = 0 only on a freshly inserted row: tells "created" from "refreshed" in one statement.
      const { rows } = await db.query<CustomerRow & { created: boolean }>(
        `INSERT INTO customers (tenant_id, whatsapp_id, name, phone, first_contact_at, last_contact_at)
         VALUES ($1, $2, $3, $4, now(), now())
         ON CONFLICT (tenant_id, whatsapp_id) WHERE whatsapp_id IS NOT NULL DO UPDATE SET
           name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE customers.name END,
           first_contact_at = COALESCE(customers.first_contact_at, now()),
           last_contact_at = now(),
           updated_at = now()
         RETURNING ${COLUMNS}, (xmax = 0) AS created`,
        [tenantId, whatsappId, name, phone],
      );
      const row = rows[0];
      if (!row) throw new Error("customer upsert returned no row");
      return { customer: toCustomer(row), created: row.created };
    },
  };
}

export function createCustomersDirectory(pool: pg.Pool) {
  return {
    /** The customers of one tenant. */
    forTenant: (tenantId: string): TenantCustomers => tenantCustomers(pool, tenantId),
  };
}

export type CustomersDirectory = ReturnType<typeof createCustomersDirectory>;
