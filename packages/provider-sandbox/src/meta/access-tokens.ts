// Which bearer token may send from which business number. An unknown token is a 190; a known
// token used on a number it cannot see gets Graph's "object does not exist" answer.
export type AccessTokenOption = string | ReadonlyMap<string, string> | Readonly<Record<string, string>>;

export type TokenCheck = "ok" | "invalid-token" | "unknown-number";

export class AccessTokens {
  readonly phoneNumberIds: readonly string[];
  readonly #tokenOf: ReadonlyMap<string, string>;

  constructor(tokens: AccessTokenOption, phoneNumberIds?: readonly string[]) {
    const perNumber = typeof tokens === "string" ? undefined : new Map(tokens instanceof Map ? tokens : Object.entries(tokens));
    const ids = phoneNumberIds ?? (perNumber === undefined ? undefined : [...perNumber.keys()]);
    if (ids === undefined || ids.length === 0) throw new Error("the sandbox needs at least one phone number id");
    this.phoneNumberIds = [...ids];
    this.#tokenOf = new Map(ids.map((id) => {
      const token = typeof tokens === "string" ? tokens : perNumber?.get(id);
      if (token === undefined || token === "") throw new Error(`no access token for phone number id ${id}`);
      return [id, token];
    }));
  }

  check(token: string | undefined, phoneNumberId: string): TokenCheck {
    if (token === undefined || ![...this.#tokenOf.values()].includes(token)) return "invalid-token";
    return this.#tokenOf.get(phoneNumberId) === token ? "ok" : "unknown-number";
  }
}
