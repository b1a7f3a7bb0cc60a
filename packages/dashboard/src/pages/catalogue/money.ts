// Money typed by a person, read into integer minor units of the shop's currency ("1234.50" → 123450
// for MXN) with integer arithmetic, and minor units written back as that text for a form.
import { minorDigits } from "../analytics/format";

/** Minor units of a decimal text ("12", "12.5", "12.50"; a comma works as the decimal point), or null when it is not one. */
export function parseMoney(text: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const match = /^(\d{1,15})(?:[.,](\d*))?$/.exec(text.trim());
  if (!match) return null;
  const [, whole = "0", fraction = ""] = match;
  if (fraction.length > digits) return null;
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  return Number.isSafeInteger(minor) ? minor : null;
}

/** The decimal text of minor units, as the form shows it ("123450" → "1234.50" for MXN). */
export function moneyText(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  if (digits === 0) return String(minor);
  const whole = Math.floor(minor / 10 ** digits);
  const fraction = String(minor % 10 ** digits).padStart(digits, "0");
  return `${whole}.${fraction}`;
}
