// Money typed by a person into minor units: "1234.5" or "1234,50" in MXN is 123450; null when it
// is not an amount the currency can hold.
import { minorDigits } from "../analytics/format";

export function toMinor(text: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const normalized = text.trim().replace(/\s/g, "").replace(",", ".");
  const pattern = digits > 0 ? new RegExp(`^\\d+(?:\\.\\d{1,${digits}})?$`) : /^\d+$/;
  if (!pattern.test(normalized)) return null;
  const [whole = "0", fraction = ""] = normalized.split(".");
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  return Number.isSafeInteger(minor) ? minor : null;
}

/** Minor units as the amount field shows them ("1234.50"), without grouping or symbol. */
export function toMajorText(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  return digits === 0 ? String(minor) : (minor / 10 ** digits).toFixed(digits);
}
