#!/usr/bin/env node
// Orders benchmark (a script, not a test): order creation under 50 concurrent clients, through the
// real gateway process on real Postgres and Redis (POST /api/orders: JWT, stock reservation with a
// conditional UPDATE per line, the per-tenant number counter, the order, its lines and history in
// one transaction, then order.created on the events stream). Prints throughput and latency
// percentiles, and checks afterwards that the stock taken equals the orders created (no oversell,
// no lost reservation). Then the dashboard's first page of orders and of customers under the same
// load (served from the read cache).
//
//   node scripts/bench-orders.mjs [--connections 50] [--seconds 10] [--products 1]
//
// --products spreads the orders over that many products (one line each, round robin); with the
// default 1 every order contends for the same stock row, the worst case for the row lock.
//
// Needs a build (pnpm build) and local Postgres/Redis (./scripts/test.sh sets them up).
import os from "node:os";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { startFleet } from "@fleet/e2e";

const { values } = parseArgs({ options: { connections: { type: "string", default: "50" }, seconds: { type: "string", default: "10" }, products: { type: "string", default: "1" } } });
const connections = Number(values.connections);
const duration = Number(values.seconds);
const productCount = Math.max(1, Number(values.products));
const STOCK = 1_000_000;

async function call(url, { method = "GET", token, body } = {}) {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function run(options) {
  return new Promise((resolve, reject) => {
    autocannon({ connections, duration, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const fleet = await startFleet({ env: { gateway: { RATE_LIMIT_PER_MINUTE: "100000000", RATE_LIMIT_PER_IP_PER_MINUTE: "100000000" } } });
try {
  const gateway = fleet.services.gateway.httpUrl;
  const slug = `bench-orders-${Date.now()}`;
  const { accessToken: token } = await call(`${gateway}/api/auth/register`, {
    method: "POST",
    body: { tenantName: "Bench shop", tenantSlug: slug, email: `owner@${slug}.test`, password: "bench-password-Zq8!rT4#wL" },
  });
  const products = [];
  for (let i = 0; i < productCount; i++) {
    const product = await call(`${gateway}/api/products`, { method: "POST", token, body: { sku: `BENCH-${i}`, name: `Anillo ${i}`, priceMinor: 150_000, stock: STOCK } });
    products.push(product.id);
  }
  const customer = await call(`${gateway}/api/customers`, { method: "POST", token, body: { name: "Cliente bench", whatsappId: "5215500000000" } });
  const requests = products.map((productId) => ({
    method: "POST",
    path: "/api/orders",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ customerId: customer.id, lines: [{ productId, quantity: 1 }] }),
  }));

  // Warm-up, not counted (its orders are counted in the stock check below).
  const warm = await run({ url: gateway, requests, duration: 2 });
  const result = await run({ url: gateway, requests });

  // Requests still in flight when autocannon stops finish on the server after it: let them, then
  // count the stored orders (autocannon's own counts miss those).
  await new Promise((resolve) => setTimeout(resolve, 3000));
  let created = 0;
  let highest = 0;
  for (let cursor; ; ) {
    const page = await call(`${gateway}/api/orders?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token });
    created += page.items.length;
    for (const order of page.items) highest = Math.max(highest, Number(order.number));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  let left = 0;
  for (const productId of products) left += (await call(`${gateway}/api/products/${productId}`, { token })).stock;
  const taken = productCount * STOCK - left;

  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown"}), node ${process.version}; autocannon, ${connections} connections, ${duration} s, ${productCount} product(s)`);
  console.log(
    `POST /api/orders   ${result.requests.average.toFixed(0).padStart(6)} orders/s   p50 ${result.latency.p50} ms   p90 ${result.latency.p90} ms   p99 ${result.latency.p99} ms   max ${result.latency.max} ms   non-2xx ${result.non2xx}   errors ${result.errors}`,
  );
  console.log(`stock check: ${created} orders stored (answered 2xx: ${warm["2xx"] + result["2xx"]}; highest number ${highest || "-"}), ${taken} units taken → ${created === taken ? "consistent" : "INCONSISTENT"}`);
  if (created !== taken || result.non2xx > 0) process.exitCode = 1;

  // The dashboard's first pages over those orders (read through the orders' and customers' read cache).
  for (const path of ["/api/orders?limit=25", "/api/customers?limit=25"]) {
    const url = `${gateway}${path}`;
    await run({ url, headers: { authorization: `Bearer ${token}` }, duration: 1 });
    const read = await run({ url, headers: { authorization: `Bearer ${token}` } });
    console.log(`GET ${path.padEnd(22)} ${read.requests.average.toFixed(0).padStart(6)} req/s   p50 ${read.latency.p50} ms   p99 ${read.latency.p99} ms   non-2xx ${read.non2xx}`);
    if (read.non2xx > 0) process.exitCode = 1;
  }
} finally {
  await fleet.stop();
}
