// The 24-hour customer service window: a business may send free-form messages to a user only
// within 24 hours of that user's last message to the number; outside it, only templates.
import { digitsOf } from "./wamid.js";

export const SERVICE_WINDOW_MS = 24 * 60 * 60_000;

export class ServiceWindows {
  /** "<phone_number_id>:<wa_id>" → epoch ms of the customer's last message. */
  readonly #lastInbound = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A customer message to the number (re)opens the window for 24 hours. */
  open(phoneNumberId: string, waId: string): void {
    this.#lastInbound.set(key(phoneNumberId, waId), this.now());
  }

  isOpen(phoneNumberId: string, waId: string): boolean {
    const last = this.#lastInbound.get(key(phoneNumberId, waId));
    return last !== undefined && this.now() - last < SERVICE_WINDOW_MS;
  }

  clear(): void {
    this.#lastInbound.clear();
  }
}

function key(phoneNumberId: string, waId: string): string {
  return `${phoneNumberId}:${digitsOf(waId)}`;
}
