// 360dialog authenticates every call with a D360-API-KEY header, and each key belongs to exactly
// one phone number: the key alone says which number a call speaks for.
export const D360_API_KEY_HEADER = "D360-API-KEY";

export class D360ApiKeys {
  readonly phoneNumberIds: readonly string[];
  readonly #numberOf: ReadonlyMap<string, string>;

  /** `apiKeys`: API key → phone_number_id of the number it belongs to. */
  constructor(apiKeys: Readonly<Record<string, string>>) {
    const entries = Object.entries(apiKeys);
    if (entries.length === 0) throw new Error("the 360dialog sandbox needs at least one API key");
    for (const [key, phoneNumberId] of entries) {
      if (key === "" || phoneNumberId === "") throw new Error("API keys and phone number ids must not be empty");
    }
    this.#numberOf = new Map(entries);
    this.phoneNumberIds = [...new Set(entries.map(([, phoneNumberId]) => phoneNumberId))];
  }

  /** The number `key` belongs to; undefined for a missing or unknown key. */
  phoneNumberIdOf(key: string | undefined): string | undefined {
    return key === undefined ? undefined : this.#numberOf.get(key);
  }
}
