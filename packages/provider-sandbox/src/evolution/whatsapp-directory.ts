// Which numbers "are on WhatsApp" for the fake: all of them except those a test marks as not
// registered. Numbers match on digits, either as given or after Evolution's createJid rules.
import { createJid, userOf } from "./jid.js";
import { digitsOf } from "../meta/wamid.js";

export class WhatsAppDirectory {
  readonly #notOnWhatsApp = new Set<string>();

  constructor(notOnWhatsApp: Iterable<string> = []) {
    this.replace(notOnWhatsApp);
  }

  isOnWhatsApp(numberOrJid: string): boolean {
    return !this.#keys(numberOrJid).some((key) => this.#notOnWhatsApp.has(key));
  }

  markNotOnWhatsApp(number: string): void {
    for (const key of this.#keys(number)) this.#notOnWhatsApp.add(key);
  }

  markOnWhatsApp(number: string): void {
    for (const key of this.#keys(number)) this.#notOnWhatsApp.delete(key);
  }

  replace(numbers: Iterable<string>): void {
    this.#notOnWhatsApp.clear();
    for (const number of numbers) this.markNotOnWhatsApp(number);
  }

  /** The registered keys (digits) of numbers marked as not on WhatsApp. */
  list(): string[] {
    return [...this.#notOnWhatsApp];
  }

  #keys(numberOrJid: string): string[] {
    const keys = [digitsOf(userOf(numberOrJid)), digitsOf(userOf(createJid(numberOrJid)))];
    return [...new Set(keys.filter((key) => key !== ""))];
  }
}
