// Numbers as the user's language writes them; money from integer minor units in its currency.
export function formatCount(value: number, language: string): string {
  return new Intl.NumberFormat(language).format(value);
}

export function formatPercent(ratio: number, language: string): string {
  return new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1 }).format(ratio);
}

/** Digits after the decimal point of a currency (2 for MXN, 0 for JPY). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function fromMinor(amountMinor: number, currency: string): number {
  return amountMinor / 10 ** minorDigits(currency);
}

export function formatMoney(amountMinor: number, currency: string, language: string): string {
  try {
    return new Intl.NumberFormat(language, { style: "currency", currency }).format(fromMinor(amountMinor, currency));
  } catch {
    return `${fromMinor(amountMinor, currency)} ${currency}`;
  }
}

export function formatMs(ms: number | null, language: string, none: string): string {
  if (ms === null) return none;
  return ms >= 1000 ? `${new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(ms / 1000)} s` : `${formatCount(Math.round(ms), language)} ms`;
}
