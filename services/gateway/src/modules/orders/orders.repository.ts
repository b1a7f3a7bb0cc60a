// Orders in Postgres. Reads are built for one tenant (`forTenant`), and the writes that must hold
// together — reserving stock, numbering, inserting the order, changing its status, recording a
// payment — run in one transaction (`transaction`), every query bound to the tenant. Stock is
// reserved with one conditional UPDATE per item (`stock >= quantity`): the row lock it takes makes
// concurrent orders wait for each other, and the condition is re-checked on the row they then see,
// so stock can never be sold twice nor go below zero.
import type pg from "pg";
import { z } from "zod";
import { inTransaction } from "@fleet/service-kit";
import { EXACT_CREATED_AT, type CreatedPosition } from "../customers/created-cursor.js";
import { orderStatuses, type OrderStatus } from "./order-status.js";
import type { OrderTotals } from "./order-totals.js";

export type OrderSource = "chat" | "dashboard";
export type DeliveryMethod = "pickup" | "delivery";

export interface OrderRecord {
  id: string;
  number: number;
  status: OrderStatus;
  source: OrderSource;
  customer: { id: string; name: string; phone: string | null; whatsappId: string | null };
  sellerId: string | null;
  botId: string | null;
  currency: string;
  subtotalMinor: number;
  discountMinor: number;
  taxRateBps: number;
  taxMinor: number;
  deliveryMinor: number;
  totalMinor: number;
  paidMinor: number;
  balanceMinor: number;
  paymentMethod: string;
  deliveryMethod: DeliveryMethod;
  deliveryAddress: string;
  notes: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface OrderLineRecord {
  productId: string;
  variantId: string | null;
  sku: string;
  name: string;
  unitPriceMinor: number;
  quantity: number;
  lineTotalMinor: number;
}

export interface PaymentRecord {
  id: string;
  amountMinor: number;
  method: string;
  reference: string;
  paidAt: string;
  recordedBy: string;
}

export interface StatusChangeRecord {
  from: OrderStatus | null;
  to: OrderStatus;
  by: string;
  at: string;
  note: string;
}

export interface OrderDetail extends OrderRecord {
  lines: OrderLineRecord[];
  payments: PaymentRecord[];
  statusHistory: StatusChangeRecord[];
}

/** One stock-keeping item of the catalogue: a product, or one of its variants. */
export interface StockItem {
  productId: string;
  variantId: string | null;
}

/** The catalogue's answer to a reservation: what the line snapshots, and the stock left. */
export interface ReservedItem extends StockItem {
  sku: string;
  name: string;
  unitPriceMinor: number;
  currency: string;
  stock: number;
  stockMin: number;
}

const StatusSchema = z.enum(orderStatuses);
const DeliverySchema = z.enum(["pickup", "delivery"]);
const SourceSchema = z.enum(["chat", "dashboard"]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface OrderRow {
  id: string;
  number: string;
  status: string;
  source: string;
  customer_id: string;
  customer_name: string;
  customer_phone: string | null;
  customer_whatsapp_id: string | null;
  seller_id: string | null;
  bot_id: string | null;
  currency: string;
  subtotal_minor: string;
  discount_minor: string;
  tax_rate_bps: number;
  tax_minor: string;
  delivery_minor: string;
  total_minor: string;
  paid_minor: string;
  payment_method: string;
  delivery_method: string;
  delivery_address: string;
  notes: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const ORDER_COLUMNS =
  "id, number, status, source, customer_id, customer_name, customer_phone, customer_whatsapp_id, seller_id, bot_id, currency, subtotal_minor, discount_minor, tax_rate_bps, tax_minor, delivery_minor, total_minor, paid_minor, payment_method, delivery_method, delivery_address, notes, created_by, created_at, updated_at";

function toOrder(row: OrderRow): OrderRecord {
  const totalMinor = Number(row.total_minor);
  const paidMinor = Number(row.paid_minor);
  return {
    id: row.id,
    number: Number(row.number),
    status: StatusSchema.parse(row.status),
    source: SourceSchema.parse(row.source),
    customer: { id: row.customer_id, name: row.customer_name, phone: row.customer_phone, whatsappId: row.customer_whatsapp_id },
    sellerId: row.seller_id,
    botId: row.bot_id,
    currency: row.currency,
    subtotalMinor: Number(row.subtotal_minor),
    discountMinor: Number(row.discount_minor),
    taxRateBps: row.tax_rate_bps,
    taxMinor: Number(row.tax_minor),
    deliveryMinor: Number(row.delivery_minor),
    totalMinor,
    paidMinor,
    balanceMinor: totalMinor - paidMinor,
    paymentMethod: row.payment_method,
    deliveryMethod: DeliverySchema.parse(row.delivery_method),
    deliveryAddress: row.delivery_address,
    notes: row.notes,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

interface LineRow {
  order_id: string;
  product_id: string;
  variant_id: string | null;
  sku: string;
  name: string;
  unit_price_minor: string;
  quantity: number;
  line_total_minor: string;
}

const toLine = (row: LineRow): OrderLineRecord => ({
  productId: row.product_id,
  variantId: row.variant_id,
  sku: row.sku,
  name: row.name,
  unitPriceMinor: Number(row.unit_price_minor),
  quantity: row.quantity,
  lineTotalMinor: Number(row.line_total_minor),
});

export interface OrderFilter {
  status?: OrderStatus;
  customerId?: string;
  sellerId?: string;
  from?: string;
  to?: string;
  order: "asc" | "desc";
  limit: number;
  after?: CreatedPosition;
}

export interface NewOrder {
  idempotencyKey: string | null;
  customer: OrderRecord["customer"];
  sellerId: string | null;
  botId: string | null;
  source: OrderSource;
  currency: string;
  totals: OrderTotals;
  paymentMethod: string;
  deliveryMethod: DeliveryMethod;
  deliveryAddress: string;
  notes: string;
  createdBy: string;
  lines: Array<Omit<OrderLineRecord, "lineTotalMinor">>;
}

export interface NewPayment {
  amountMinor: number;
  method: string;
  reference: string;
  paidAt: string | null;
  recordedBy: string;
}

export interface TenantOrders {
  list(filter: OrderFilter): Promise<Array<{ order: OrderRecord; position: CreatedPosition }>>;
  find(orderId: string): Promise<OrderDetail | null>;
  findByKey(idempotencyKey: string): Promise<OrderDetail | null>;
  /** Orders (with their lines) of a customer, newest first. */
  latestOfCustomer(customerId: string, limit: number): Promise<Array<OrderRecord & { lines: OrderLineRecord[] }>>;
}

/** The writes of one transaction, on one tenant. */
export interface OrdersTransaction {
  /** Takes `quantity` of the item if the stock has it; null when it lacks it, is inactive or does not exist. */
  reserve(item: StockItem, quantity: number): Promise<ReservedItem | null>;
  /** The stock of an active item, null when there is no such active item (to explain a failed reservation). */
  available(item: StockItem): Promise<{ sku: string; stock: number } | null>;
  /** The tenant's next order number (locks its counter row until the transaction ends). */
  nextNumber(): Promise<number>;
  /** null when the idempotency key already has an order. */
  insertOrder(number: number, order: NewOrder): Promise<string | null>;
  recordStatus(orderId: string, change: Omit<StatusChangeRecord, "at">): Promise<void>;
  /** The order, locked until the transaction ends; null when not found. */
  lock(orderId: string): Promise<(OrderRecord & { stockRestored: boolean }) | null>;
  setStatus(orderId: string, status: OrderStatus): Promise<void>;
  /** Puts the order's reserved stock back, once: false when it already was. */
  restoreStock(orderId: string): Promise<boolean>;
  addPayment(orderId: string, payment: NewPayment): Promise<void>;
}

async function findDetail(db: pg.Pool | pg.PoolClient, tenantId: string, where: string, value: string): Promise<OrderDetail | null> {
  const { rows } = await db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE tenant_id = $1 AND ${where} = $2`, [tenantId, value]);
  const row = rows[0];
  if (!row) return null;
  const [lines, payments, changes] = await Promise.all([
    db.query<LineRow>("SELECT order_id, product_id, variant_id, sku, name, unit_price_minor, quantity, line_total_minor FROM order_lines WHERE tenant_id = $1 AND order_id = $2 ORDER BY position", [tenantId, row.id]),
    db.query<{ id: string; amount_minor: string; method: string; reference: string; paid_at: Date; recorded_by: string }>(
      "SELECT id, amount_minor, method, reference, paid_at, recorded_by FROM order_payments WHERE tenant_id = $1 AND order_id = $2 ORDER BY created_at, id",
      [tenantId, row.id],
    ),
    db.query<{ from_status: string | null; to_status: string; changed_by: string; changed_at: Date; note: string }>(
      "SELECT from_status, to_status, changed_by, changed_at, note FROM order_status_changes WHERE tenant_id = $1 AND order_id = $2 ORDER BY id",
      [tenantId, row.id],
    ),
  ]);
  return {
    ...toOrder(row),
    lines: lines.rows.map(toLine),
    payments: payments.rows.map((p) => ({ id: p.id, amountMinor: Number(p.amount_minor), method: p.method, reference: p.reference, paidAt: p.paid_at.toISOString(), recordedBy: p.recorded_by })),
    statusHistory: changes.rows.map((c) => ({ from: c.from_status === null ? null : StatusSchema.parse(c.from_status), to: StatusSchema.parse(c.to_status), by: c.changed_by, at: c.changed_at.toISOString(), note: c.note })),
  };
}

function tenantOrders(db: pg.Pool, tenantId: string): TenantOrders {
  return {
    async list({ status, customerId, sellerId, from, to, order, limit, after }) {
      const where = ["tenant_id = $1"];
      const values: unknown[] = [tenantId];
      const add = (sql: (n: number) => string, value: unknown) => {
        values.push(value);
        where.push(sql(values.length));
      };
      if (status) add((n) => `status = $${n}`, status);
      if (customerId) add((n) => `customer_id = $${n}`, customerId);
      if (sellerId) add((n) => `seller_id = $${n}`, sellerId);
      if (from) add((n) => `created_at >= $${n}`, from);
      if (to) add((n) => `created_at < $${n}`, to);
      if (after) {
        values.push(after.createdAt, after.id);
        where.push(`(created_at, id) ${order === "desc" ? "<" : ">"} ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
      }
      values.push(limit + 1);
      const direction = order === "desc" ? "DESC" : "ASC";
      const { rows } = await db.query<OrderRow & { position_at: string }>(
        `SELECT ${ORDER_COLUMNS}, ${EXACT_CREATED_AT} AS position_at FROM orders WHERE ${where.join(" AND ")} ORDER BY created_at ${direction}, id ${direction} LIMIT $${values.length}`,
        values,
      );
      return rows.map((row) => ({ order: toOrder(row), position: { createdAt: row.position_at, id: row.id } }));
    },
    find: (orderId) => (UUID.test(orderId) ? findDetail(db, tenantId, "id", orderId) : Promise.resolve(null)),
    findByKey: (idempotencyKey) => findDetail(db, tenantId, "idempotency_key", idempotencyKey),
    async latestOfCustomer(customerId, limit) {
      const { rows } = await db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE tenant_id = $1 AND customer_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3`, [tenantId, customerId, limit]);
      if (rows.length === 0) return [];
      const lines = await db.query<LineRow>(
        "SELECT order_id, product_id, variant_id, sku, name, unit_price_minor, quantity, line_total_minor FROM order_lines WHERE tenant_id = $1 AND order_id = ANY($2::uuid[]) ORDER BY position",
        [tenantId, rows.map((row) => row.id)],
      );
      return rows.map((row) => ({ ...toOrder(row), lines: lines.rows.filter((line) => line.order_id === row.id).map(toLine) }));
    },
  };
}

interface ReservedRow {
  sku: string;
  name: string;
  price_minor: string;
  currency: string;
  stock: number;
  stock_min: number;
}

function ordersTransaction(db: pg.PoolClient, tenantId: string): OrdersTransaction {
  return {
    async reserve(item, quantity) {
      const { rows } = item.variantId
        ? await db.query<ReservedRow>(
            `UPDATE product_variants v SET stock = v.stock - $4, updated_at = now()
             FROM products p
             WHERE v.tenant_id = $1 AND v.id = $2 AND v.product_id = $3 AND v.active AND v.stock >= $4
               AND p.tenant_id = v.tenant_id AND p.id = v.product_id AND p.active
             RETURNING v.sku, concat_ws(' ', p.name, nullif(v.size, ''), nullif(v.colour, '')) AS name, COALESCE(v.price_minor, p.price_minor) AS price_minor, p.currency, v.stock, v.stock_min`,
            [tenantId, item.variantId, item.productId, quantity],
          )
        : await db.query<ReservedRow>(
            `UPDATE products SET stock = stock - $3, updated_at = now()
             WHERE tenant_id = $1 AND id = $2 AND active AND stock >= $3
             RETURNING sku, name, price_minor, currency, stock, stock_min`,
            [tenantId, item.productId, quantity],
          );
      const row = rows[0];
      return row ? { ...item, sku: row.sku, name: row.name, unitPriceMinor: Number(row.price_minor), currency: row.currency, stock: row.stock, stockMin: row.stock_min } : null;
    },
    async available(item) {
      const { rows } = item.variantId
        ? await db.query<{ sku: string; stock: number }>(
            "SELECT v.sku, v.stock FROM product_variants v JOIN products p ON p.tenant_id = v.tenant_id AND p.id = v.product_id WHERE v.tenant_id = $1 AND v.id = $2 AND v.product_id = $3 AND v.active AND p.active",
            [tenantId, item.variantId, item.productId],
          )
        : await db.query<{ sku: string; stock: number }>("SELECT sku, stock FROM products WHERE tenant_id = $1 AND id = $2 AND active", [tenantId, item.productId]);
      return rows[0] ?? null;
    },
    async nextNumber() {
      const { rows } = await db.query<{ last_number: string }>(
        `INSERT INTO order_counters (tenant_id, last_number) VALUES ($1, 1001)
         ON CONFLICT (tenant_id) DO UPDATE SET last_number = order_counters.last_number + 1 RETURNING last_number`,
        [tenantId],
      );
      return Number(rows[0]?.last_number);
    },
    async insertOrder(number, order) {
      const { totals } = order;
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO orders (tenant_id, number, idempotency_key, customer_id, customer_name, customer_phone, customer_whatsapp_id, seller_id, bot_id, source, currency,
           subtotal_minor, discount_minor, tax_rate_bps, tax_minor, delivery_minor, total_minor, payment_method, delivery_method, delivery_address, notes, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
         ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id`,
        [
          tenantId,
          number,
          order.idempotencyKey,
          order.customer.id,
          order.customer.name,
          order.customer.phone,
          order.customer.whatsappId,
          order.sellerId,
          order.botId,
          order.source,
          order.currency,
          totals.subtotalMinor,
          totals.discountMinor,
          totals.taxRateBps,
          totals.taxMinor,
          totals.deliveryMinor,
          totals.totalMinor,
          order.paymentMethod,
          order.deliveryMethod,
          order.deliveryAddress,
          order.notes,
          order.createdBy,
        ],
      );
      const id = rows[0]?.id;
      if (!id) return null;
      await db.query(
        `INSERT INTO order_lines (tenant_id, order_id, position, product_id, variant_id, sku, name, unit_price_minor, quantity, line_total_minor)
         SELECT $1, $2, line.position - 1, line.product_id, line.variant_id, line.sku, line.name, line.unit_price_minor, line.quantity, line.unit_price_minor * line.quantity
         FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::bigint[], $8::integer[]) WITH ORDINALITY
           AS line (product_id, variant_id, sku, name, unit_price_minor, quantity, position)`,
        [
          tenantId,
          id,
          order.lines.map((line) => line.productId),
          order.lines.map((line) => line.variantId),
          order.lines.map((line) => line.sku),
          order.lines.map((line) => line.name),
          order.lines.map((line) => line.unitPriceMinor),
          order.lines.map((line) => line.quantity),
        ],
      );
      return id;
    },
    async recordStatus(orderId, { from, to, by, note }) {
      await db.query("INSERT INTO order_status_changes (tenant_id, order_id, from_status, to_status, changed_by, note) VALUES ($1, $2, $3, $4, $5, $6)", [tenantId, orderId, from, to, by, note]);
    },
    async lock(orderId) {
      if (!UUID.test(orderId)) return null;
      const { rows } = await db.query<OrderRow & { stock_restored: boolean }>(`SELECT ${ORDER_COLUMNS}, stock_restored_at IS NOT NULL AS stock_restored FROM orders WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, orderId]);
      const row = rows[0];
      return row ? { ...toOrder(row), stockRestored: row.stock_restored } : null;
    },
    async setStatus(orderId, status) {
      await db.query("UPDATE orders SET status = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2", [tenantId, orderId, status]);
    },
    async restoreStock(orderId) {
      const marked = await db.query("UPDATE orders SET stock_restored_at = now() WHERE tenant_id = $1 AND id = $2 AND stock_restored_at IS NULL", [tenantId, orderId]);
      if ((marked.rowCount ?? 0) === 0) return false;
      // Summed per item and put back one item at a time in the order reservations take them
      // (products, then variants, each by id), so a cancellation and a new order never lock the same
      // rows in opposite orders.
      const { rows } = await db.query<{ product_id: string; variant_id: string | null; quantity: number }>(
        `SELECT product_id, variant_id, sum(quantity)::integer AS quantity FROM order_lines WHERE tenant_id = $1 AND order_id = $2
         GROUP BY product_id, variant_id ORDER BY variant_id IS NOT NULL, COALESCE(variant_id, product_id)`,
        [tenantId, orderId],
      );
      for (const line of rows) {
        if (line.variant_id) await db.query("UPDATE product_variants SET stock = stock + $3, updated_at = now() WHERE tenant_id = $1 AND id = $2", [tenantId, line.variant_id, line.quantity]);
        else await db.query("UPDATE products SET stock = stock + $3, updated_at = now() WHERE tenant_id = $1 AND id = $2", [tenantId, line.product_id, line.quantity]);
      }
      return true;
    },
    async addPayment(orderId, { amountMinor, method, reference, paidAt, recordedBy }) {
      await db.query("INSERT INTO order_payments (tenant_id, order_id, amount_minor, method, reference, paid_at, recorded_by) VALUES ($1, $2, $3, $4, $5, COALESCE($6::timestamptz, now()), $7)", [
        tenantId,
        orderId,
        amountMinor,
        method,
        reference,
        paidAt,
        recordedBy,
      ]);
      await db.query("UPDATE orders SET paid_minor = paid_minor + $3, updated_at = now() WHERE tenant_id = $1 AND id = $2", [tenantId, orderId, amountMinor]);
    },
  };
}

export function createOrdersStore(pool: pg.Pool) {
  return {
    /** The orders of one tenant (reads). */
    forTenant: (tenantId: string): TenantOrders => tenantOrders(pool, tenantId),
    /** Runs `work` in one transaction on one tenant's orders and stock (committed when it resolves). */
    transaction: <T>(tenantId: string, work: (tx: OrdersTransaction) => Promise<T>): Promise<T> => inTransaction(pool, (client) => work(ordersTransaction(client, tenantId))),
  };
}

export type OrdersStore = ReturnType<typeof createOrdersStore>;
