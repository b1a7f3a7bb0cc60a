// Takes an order, from a conversation or the dashboard: every line's stock is reserved or none is
// (409 OUT_OF_STOCK naming each short line), prices and names are the catalogue's at this moment,
// totals come from order-totals.ts, and the order gets the tenant's next number — all in one
// transaction. An idempotency key answers a retried request with the first order. An order that
// names no seller (sellerId absent) goes to the seller attending the customer now (their open
// assignment in the sellers module), if any; sellerId null asks for no seller. The tax rate is the
// shop's setting, read through the settings module (cached per tenant).
import { AppError } from "@fleet/service-kit";
import { authorize, type Caller } from "../../auth/permissions.js";
import type { TenantReadsCache } from "../../cache/tenant-reads.cache.js";
import type { CustomerRecord, CustomersDirectory } from "../customers/customers.repository.js";
import { customerNotFound } from "../customers/customer-rules.js";
import type { UpsertCustomer } from "../customers/upsert-customer.use-case.js";
import type { SettingsUseCases } from "../settings/settings.use-case.js";
import { actorName, type PublishEvents, type StockChanges } from "./order-rules.js";
import { computeTotals } from "./order-totals.js";
import type { DeliveryMethod, OrderDetail, OrdersStore, OrderSource, OrdersTransaction, ReservedItem, StockItem } from "./orders.repository.js";
import { sqlState } from "../customers/customers.repository.js";

export const MAX_LINES = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface OrderLineInput {
  productId: string;
  variantId?: string | null;
  quantity: number;
}

export interface CreateOrderInput {
  source: OrderSource;
  botId?: string | null;
  /** An existing customer, or a WhatsApp contact (created when unknown). */
  customer: { id: string } | { whatsappId: string; name: string };
  lines: OrderLineInput[];
  discountMinor?: number;
  deliveryMinor?: number;
  paymentMethod?: string;
  deliveryMethod?: DeliveryMethod;
  deliveryAddress?: string;
  notes?: string;
  /** Absent: the customer's current seller, if any; null: no seller. */
  sellerId?: string | null;
  idempotencyKey?: string | null;
}

export interface ShortLine {
  productId: string;
  variantId: string | null;
  sku: string;
  requested: number;
  available: number;
}

interface Demand {
  item: StockItem;
  quantity: number;
}

/** Reservations lock stock rows in one stable order (products, then variants, each by id): no deadlocks. */
const lockKey = ({ productId, variantId }: StockItem) => (variantId ? `1:${variantId}` : `0:${productId}`);

/** One demand per stock item (two lines of the same ring reserve their sum), in lock order. */
function demandsOf(lines: readonly OrderLineInput[]): Demand[] {
  const byKey = new Map<string, Demand>();
  for (const line of lines) {
    const item = { productId: line.productId.toLowerCase(), variantId: line.variantId?.toLowerCase() ?? null };
    const demand = byKey.get(lockKey(item));
    if (demand) demand.quantity += line.quantity;
    else byKey.set(lockKey(item), { item, quantity: line.quantity });
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, demand]) => demand);
}

function assertLines(lines: readonly OrderLineInput[]): void {
  if (lines.length === 0) throw new AppError("invalid_argument", "ORDER_EMPTY", "An order needs at least one line");
  if (lines.length > MAX_LINES) throw new AppError("invalid_argument", "TOO_MANY_LINES", `An order has at most ${MAX_LINES} lines`);
  for (const line of lines) {
    if (!UUID.test(line.productId) || (line.variantId && !UUID.test(line.variantId))) throw new AppError("invalid_argument", "INVALID_LINE", "A line names its product (and variant) by UUID");
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > 10_000) throw new AppError("invalid_argument", "INVALID_QUANTITY", "Quantities must be whole numbers from 1 to 10000");
  }
}

/** Reserves every demand or throws (the transaction then rolls back whatever was reserved). */
async function reserveAll(tx: OrdersTransaction, demands: readonly Demand[]): Promise<Map<string, ReservedItem>> {
  const reserved = new Map<string, ReservedItem>();
  const missing: StockItem[] = [];
  const short: ShortLine[] = [];
  for (const { item, quantity } of demands) {
    const taken = await tx.reserve(item, quantity);
    if (taken) {
      reserved.set(lockKey(item), taken);
      continue;
    }
    const stock = await tx.available(item);
    if (stock) short.push({ ...item, sku: stock.sku, requested: quantity, available: stock.stock });
    else missing.push(item);
  }
  if (missing.length > 0) throw new AppError("not_found", "PRODUCT_NOT_FOUND", "Some lines name a product or variant the shop does not sell", { details: { lines: missing } });
  if (short.length > 0) throw new AppError("conflict", "OUT_OF_STOCK", `Not enough stock for ${short.map((line) => line.sku).join(", ")}`, { details: { lines: short } });
  return reserved;
}

/** Thrown inside the transaction when a concurrent request with the same key won: roll back and replay it. */
class KeyTaken extends Error {}

export interface CreateOrderDeps {
  orders: Pick<OrdersStore, "forTenant" | "transaction">;
  /** The orders part of the read cache, dropped once an order is committed. */
  cache: Pick<TenantReadsCache, "invalidate">;
  customers: Pick<CustomersDirectory, "forTenant">;
  upsertCustomer: UpsertCustomer;
  settings: Pick<SettingsUseCases, "readSettings">;
  publish: PublishEvents;
  stock: StockChanges;
}

export function createCreateOrder({ orders, cache, customers, upsertCustomer, settings, publish, stock }: CreateOrderDeps) {
  async function customerOf(actor: Caller, input: CreateOrderInput["customer"]): Promise<CustomerRecord> {
    if ("id" in input) {
      const customer = await customers.forTenant(actor.tenantId).find(input.id);
      if (!customer) throw customerNotFound();
      return customer;
    }
    return (await upsertCustomer(actor, input)).customer;
  }

  return async function createOrder(actor: Caller, input: CreateOrderInput): Promise<{ order: OrderDetail; replayed: boolean }> {
    authorize(actor, "orders:write");
    assertLines(input.lines);
    const tenantOrders = orders.forTenant(actor.tenantId);
    const key = input.idempotencyKey ?? null;
    if (key) {
      const existing = await tenantOrders.findByKey(key);
      if (existing) return { order: existing, replayed: true };
    }
    const record = await customerOf(actor, input.customer);
    const customer = { id: record.id, name: record.name, phone: record.phone, whatsappId: record.whatsappId };
    const sellerId = input.sellerId === undefined ? (record.seller?.id ?? null) : input.sellerId;
    const { taxRateBps } = await settings.readSettings(actor.tenantId);
    const demands = demandsOf(input.lines);
    const by = actorName(actor);

    let created: { orderId: string; levels: ReservedItem[] };
    try {
      created = await orders.transaction(actor.tenantId, async (tx) => {
        const reserved = await reserveAll(tx, demands);
        const snapshots = input.lines.map((line) => {
          const item = reserved.get(lockKey({ productId: line.productId.toLowerCase(), variantId: line.variantId?.toLowerCase() ?? null }));
          if (!item) throw new Error("reserved item missing for a line");
          return { productId: item.productId, variantId: item.variantId, sku: item.sku, name: item.name, unitPriceMinor: item.unitPriceMinor, quantity: line.quantity, currency: item.currency };
        });
        const currencies = [...new Set(snapshots.map((line) => line.currency))];
        const currency = currencies[0];
        if (currency === undefined || currencies.length > 1) throw new AppError("invalid_argument", "MIXED_CURRENCIES", "All lines of an order must be priced in the same currency", { details: { currencies } });
        const totals = computeTotals({ lines: snapshots, discountMinor: input.discountMinor ?? 0, deliveryMinor: input.deliveryMinor ?? 0, taxRateBps });
        const number = await tx.nextNumber();
        const orderId = await tx.insertOrder(number, {
          idempotencyKey: key,
          customer,
          sellerId,
          botId: input.botId ?? null,
          source: input.source,
          currency,
          totals,
          paymentMethod: input.paymentMethod ?? "",
          deliveryMethod: input.deliveryMethod ?? "pickup",
          deliveryAddress: input.deliveryAddress ?? "",
          notes: input.notes ?? "",
          createdBy: by,
          lines: snapshots,
        });
        if (!orderId) throw new KeyTaken();
        await tx.recordStatus(orderId, { from: null, to: "pending", by, note: "" });
        return { orderId, levels: [...reserved.values()] };
      });
    } catch (error) {
      if (error instanceof KeyTaken && key) {
        const existing = await tenantOrders.findByKey(key);
        if (existing) return { order: existing, replayed: true };
      }
      // Customers and products were checked; a foreign key that still fails is the seller.
      if (sqlState(error) === "23503") throw new AppError("not_found", "SELLER_NOT_FOUND", "Seller not found");
      throw error;
    }

    await cache.invalidate(actor.tenantId);
    const order = await tenantOrders.find(created.orderId);
    if (!order) throw new Error("created order not found");
    await stock.changed(actor.tenantId, created.levels);
    await publish([
      {
        id: `order.created:${order.id}`,
        type: "order.created",
        tenantId: actor.tenantId,
        ...(order.botId ? { botId: order.botId } : {}),
        ...(order.customer.whatsappId ? { contact: order.customer.whatsappId } : {}),
        attributes: { orderId: order.id, number: order.number, source: order.source, customerId: order.customer.id, totalMinor: order.totalMinor, currency: order.currency, lines: order.lines.length },
      },
    ]);
    return { order, replayed: false };
  };
}

export type CreateOrder = ReturnType<typeof createCreateOrder>;
