// A fake of the gateway's CommerceService over the real gRPC wire: the real bridge server on port 0
// with in-memory shops, one per tenant, so each test works in its own tenant. It answers as the
// gateway documents: NO_SELLER_AVAILABLE and OUT_OF_STOCK as FAILED_PRECONDITION, STAFF_NOT_FOUND as
// NOT_FOUND, assignments and orders idempotent by key. Every request is recorded per tenant.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "@jest/globals";
import { CommerceService, OrderStatus, SellerStatus } from "@fleet/contracts/commerce";
import { implement, startGrpcServer, type HandlersOf, type RunningGrpcServer } from "@fleet/grpc-bridge";
import { AppError, createMetrics } from "@fleet/service-kit";
import { memoryLogger } from "@fleet/testing";
import { createCommerceClient, type CommerceClient } from "../src/clients/commerce.client.js";

type Handlers = HandlersOf<typeof CommerceService>;
type Reply<M extends keyof Handlers> = Awaited<ReturnType<Handlers[M]>>;
export type HoursReply = Reply<"getBusinessHours">;

export interface FakeProduct {
  id: string;
  sku: string;
  name: string;
  category: string;
  currency: string;
  /** Minor units; null: no price. */
  priceMinor: number | null;
  stock: number;
  imageUrls: string[];
  variantStocks: number[];
}

export interface FakeSeller {
  id: string;
  name: string;
  phone: string;
  supervisor: boolean;
  /** Can take new customers (AssignSeller picks the first one that can). */
  available: boolean;
  /** Listed by ListSellersOnDuty. */
  onDuty: boolean;
}

export interface FakeOrder {
  id: string;
  number: string;
  contact: string;
  productId: string;
  quantity: number;
  currency: string;
  totalMinor: number;
  status: OrderStatus;
  createdAt: number;
  key: string;
}

export interface FakeShop {
  tenantId: string;
  products: FakeProduct[];
  sellers: FakeSeller[];
  customers: Map<string, { id: string; name: string }>;
  /** Customer contact → seller id. */
  assignments: Map<string, string>;
  orders: FakeOrder[];
  hours: HoursReply;
  /** Every request, by method, in order. */
  calls: { method: string; request: Record<string, unknown> }[];
}

export interface FakeCommerce {
  address: string;
  /** A new tenant's shop, to fill in. */
  shop(init?: Partial<Pick<FakeShop, "products" | "sellers" | "hours">>): FakeShop;
  stop(): Promise<void>;
}

export function fakeProduct(init: Partial<FakeProduct> & Pick<FakeProduct, "name">): FakeProduct {
  return { id: randomUUID(), sku: init.name.toUpperCase().replace(/\W+/g, "-").slice(0, 20), category: "anillos", currency: "MXN", priceMinor: 100_00, stock: 5, imageUrls: [], variantStocks: [], ...init };
}

export function fakeSeller(init: Partial<FakeSeller> & Pick<FakeSeller, "name" | "phone">): FakeSeller {
  return { id: randomUUID(), supervisor: false, available: true, onDuty: true, ...init };
}

const money = (currency: string, amountMinor: number) => ({ currency, amountMinor: BigInt(amountMinor) });
const timestamp = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });
const digits = (phone: string) => phone.replace(/\D/g, "");

export async function startFakeCommerce(): Promise<FakeCommerce> {
  const shops = new Map<string, FakeShop>();
  const assignKeys = new Map<string, Reply<"assignSeller">>();
  let orderNumber = 1000;

  function shopOf(tenantId: string, method: string, request: object): FakeShop {
    const shop = shops.get(tenantId);
    if (!shop) throw new AppError("not_found", "TENANT_NOT_FOUND", "no such tenant");
    shop.calls.push({ method, request: { ...request } });
    return shop;
  }

  const toSeller = (seller: FakeSeller) => ({ id: seller.id, name: seller.name, phone: seller.phone, status: SellerStatus.ONLINE, specialty: "", maxConcurrentCustomers: 5, currentLoad: 0, supervisor: seller.supervisor });
  const toProduct = (product: FakeProduct) => ({
    id: product.id,
    sku: product.sku,
    name: product.name,
    description: `${product.name} de la casa`,
    category: product.category,
    material: "",
    price: product.priceMinor === null ? undefined : money(product.currency, product.priceMinor),
    imageUrls: product.imageUrls,
    stock: product.stock,
    variants: product.variantStocks.map((stock, index) => ({ id: randomUUID(), sku: `${product.sku}-${index + 1}`, size: `talla ${index + 5}`, colour: "", stock })),
    active: true,
  });
  const toOrder = (order: FakeOrder) => ({
    id: order.id,
    number: order.number,
    status: order.status,
    lines: [{ productId: order.productId, quantity: order.quantity }],
    total: money(order.currency, order.totalMinor),
    customerId: "",
    createTime: timestamp(order.createdAt),
  });

  const handlers: Handlers = {
    async searchProducts(request) {
      const shop = shopOf(request.tenantId, "searchProducts", { query: request.query, limit: request.limit });
      const words = request.query.toLowerCase().split(/\s+/).filter(Boolean);
      const found = shop.products.filter((product) => words.some((word) => `${product.name} ${product.category}`.toLowerCase().includes(word)));
      return { products: found.slice(0, request.limit || 5).map(toProduct), understoodText: request.query, understoodOrder: "relevance" };
    },
    async getProduct(request) {
      const shop = shopOf(request.tenantId, "getProduct", { productId: request.productId });
      const product = shop.products.find((p) => p.id === request.productId);
      if (!product) throw new AppError("not_found", "PRODUCT_NOT_FOUND", "no such product");
      return { product: toProduct(product) };
    },
    async upsertCustomer(request) {
      const shop = shopOf(request.tenantId, "upsertCustomer", { whatsappId: request.whatsappId, name: request.name, botId: request.botId });
      let customer = shop.customers.get(request.whatsappId);
      const created = !customer;
      if (!customer) {
        customer = { id: randomUUID(), name: request.name };
        shop.customers.set(request.whatsappId, customer);
      } else if (request.name !== "") customer.name = request.name;
      return { customer: { id: customer.id, whatsappId: request.whatsappId, name: customer.name, sellerId: shop.assignments.get(request.whatsappId) ?? "" }, created };
    },
    async createOrder(request) {
      const shop = shopOf(request.tenantId, "createOrder", { ...request, lines: request.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })) });
      const replay = shop.orders.find((order) => order.key === request.idempotencyKey);
      if (replay) return { order: toOrder(replay), replayed: true };
      const line = request.lines[0];
      const product = shop.products.find((p) => p.id === line?.productId);
      if (!line || !product) throw new AppError("not_found", "PRODUCT_NOT_FOUND", "no such product");
      if (product.stock < line.quantity) throw new AppError("failed_precondition", "OUT_OF_STOCK", `Not enough stock for ${product.sku}`, { details: { lines: [{ sku: product.sku, requested: line.quantity, available: product.stock }] } });
      product.stock -= line.quantity;
      orderNumber += 1;
      const order: FakeOrder = {
        id: randomUUID(),
        number: String(orderNumber),
        contact: request.customerContact,
        productId: product.id,
        quantity: line.quantity,
        currency: product.currency,
        totalMinor: (product.priceMinor ?? 0) * line.quantity,
        status: OrderStatus.PENDING,
        createdAt: Date.now(),
        key: request.idempotencyKey,
      };
      shop.orders.push(order);
      return { order: toOrder(order), replayed: false };
    },
    async listCustomerOrders(request) {
      const shop = shopOf(request.tenantId, "listCustomerOrders", { customerContact: request.customerContact, limit: request.limit });
      const mine = shop.orders.filter((order) => order.contact === request.customerContact).sort((a, b) => b.createdAt - a.createdAt);
      return { orders: mine.slice(0, request.limit || 5).map(toOrder) };
    },
    async assignSeller(request) {
      const shop = shopOf(request.tenantId, "assignSeller", { customerContact: request.customerContact, customerName: request.customerName, reason: request.reason, idempotencyKey: request.idempotencyKey });
      const replay = assignKeys.get(`${request.tenantId}/${request.idempotencyKey}`);
      if (request.idempotencyKey !== "" && replay) return replay;
      // As the gateway does: the customer is upserted by their contact first (and kept when no seller can take them).
      let customer = shop.customers.get(request.customerContact);
      const customerCreated = !customer;
      if (!customer) {
        customer = { id: randomUUID(), name: request.customerName };
        shop.customers.set(request.customerContact, customer);
      } else if (request.customerName !== "") customer.name = request.customerName;
      const current = shop.sellers.find((seller) => seller.id === shop.assignments.get(request.customerContact));
      const seller = current ?? shop.sellers.find((candidate) => candidate.available);
      if (!seller) throw new AppError("failed_precondition", "NO_SELLER_AVAILABLE", "No seller can take this customer now", { details: { customerCreated } });
      shop.assignments.set(request.customerContact, seller.id);
      const reply = {
        seller: toSeller(seller),
        assignmentId: randomUUID(),
        existing: current !== undefined,
        customer: { id: customer.id, whatsappId: request.customerContact, name: customer.name, sellerId: seller.id },
        customerCreated,
      };
      if (request.idempotencyKey !== "") assignKeys.set(`${request.tenantId}/${request.idempotencyKey}`, reply);
      return reply;
    },
    async releaseSeller(request) {
      const shop = shopOf(request.tenantId, "releaseSeller", { customerContact: request.customerContact });
      return { released: shop.assignments.delete(request.customerContact) };
    },
    async getBusinessHours(request) {
      return shopOf(request.tenantId, "getBusinessHours", {}).hours;
    },
    async listSellersOnDuty(request) {
      const shop = shopOf(request.tenantId, "listSellersOnDuty", {});
      return { sellers: shop.sellers.filter((seller) => seller.onDuty).map(toSeller) };
    },
    async findStaffByPhone(request) {
      const shop = shopOf(request.tenantId, "findStaffByPhone", { phone: request.phone });
      const seller = shop.sellers.find((candidate) => digits(candidate.phone) === digits(request.phone));
      if (!seller) throw new AppError("not_found", "STAFF_NOT_FOUND", "No staff member has this number");
      return { seller: toSeller(seller) };
    },
  };

  const { logger } = memoryLogger("fake-commerce", "error");
  const server: RunningGrpcServer = await startGrpcServer({ host: "127.0.0.1", port: 0, logger, metrics: createMetrics("fake-commerce"), services: [implement(CommerceService, handlers)] });

  return {
    address: `127.0.0.1:${server.port}`,
    shop(init = {}) {
      const shop: FakeShop = {
        tenantId: randomUUID(),
        products: init.products ?? [],
        sellers: init.sellers ?? [],
        customers: new Map(),
        assignments: new Map(),
        orders: [],
        hours: init.hours ?? { timeZone: "America/Mexico_City", days: [], openNow: false, language: "es", currency: "MXN", shopName: "Joyería Ana", catalogueUrl: "" },
        calls: [],
      };
      shops.set(shop.tenantId, shop);
      return shop;
    },
    stop: () => server.stop(100),
  };
}

/** The fake and a client of it for one test file: started before its tests, stopped after them. */
export function fakeCommerceForTests(): { readonly fake: FakeCommerce; readonly commerce: CommerceClient } {
  let fake: FakeCommerce | undefined;
  let commerce: CommerceClient | undefined;
  beforeAll(async () => {
    fake = await startFakeCommerce();
    commerce = createCommerceClient(fake.address, 5_000);
  });
  afterAll(async () => {
    commerce?.close();
    await fake?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the fake CommerceService starts in beforeAll");
    return value;
  };
  return {
    get fake() {
      return started(fake);
    },
    get commerce() {
      return started(commerce);
    },
  };
}
