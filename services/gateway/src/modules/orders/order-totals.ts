// The one place an order's money is computed, in integer minor units (never floats):
//   subtotal = Σ unit price × quantity
//   tax      = (subtotal − discount) × rate, rounded half up to the minor unit (delivery is not taxed)
//   total    = subtotal − discount + tax + delivery
// The discount cannot exceed the subtotal. Amounts are checked to stay within JavaScript's safe
// integers, so a number read back from Postgres (bigint) is exact.
import { AppError } from "@fleet/service-kit";

export interface PricedLine {
  unitPriceMinor: number;
  quantity: number;
}

export interface TotalsInput {
  lines: readonly PricedLine[];
  discountMinor: number;
  deliveryMinor: number;
  /** Basis points: 1600 = 16 %. */
  taxRateBps: number;
}

export interface OrderTotals {
  subtotalMinor: number;
  discountMinor: number;
  taxRateBps: number;
  taxMinor: number;
  deliveryMinor: number;
  totalMinor: number;
}

const BPS = 10_000n;

function safe(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new AppError("invalid_argument", "AMOUNT_TOO_LARGE", `The order's ${what} is too large`);
  return Number(value);
}

function assertAmount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new AppError("invalid_argument", "INVALID_AMOUNT", `${what} must be a whole, non-negative number of minor units`);
}

/** (amount × bps) / 10000, rounded half up (amounts are never negative). */
export function applyRate(amountMinor: bigint, rateBps: number): bigint {
  return (amountMinor * BigInt(rateBps) + BPS / 2n) / BPS;
}

export function computeTotals({ lines, discountMinor, deliveryMinor, taxRateBps }: TotalsInput): OrderTotals {
  assertAmount(discountMinor, "discount");
  assertAmount(deliveryMinor, "delivery");
  if (!Number.isInteger(taxRateBps) || taxRateBps < 0 || taxRateBps > 10_000) throw new AppError("invalid_argument", "INVALID_TAX_RATE", "The tax rate must be 0-10000 basis points");
  let subtotal = 0n;
  for (const line of lines) {
    assertAmount(line.unitPriceMinor, "unit price");
    if (!Number.isInteger(line.quantity) || line.quantity < 1) throw new AppError("invalid_argument", "INVALID_QUANTITY", "Quantities must be whole numbers of at least 1");
    subtotal += BigInt(line.unitPriceMinor) * BigInt(line.quantity);
  }
  const discount = BigInt(discountMinor);
  if (discount > subtotal) throw new AppError("invalid_argument", "DISCOUNT_EXCEEDS_SUBTOTAL", "The discount cannot be larger than the subtotal", { details: { subtotalMinor: safe(subtotal, "subtotal"), discountMinor } });
  const tax = applyRate(subtotal - discount, taxRateBps);
  const total = subtotal - discount + tax + BigInt(deliveryMinor);
  return {
    subtotalMinor: safe(subtotal, "subtotal"),
    discountMinor,
    taxRateBps,
    taxMinor: safe(tax, "tax"),
    deliveryMinor,
    totalMinor: safe(total, "total"),
  };
}
