// Who may use the fake and what they own: account SIDs with their auth tokens, the WhatsApp
// sender numbers each account hosts, and optional Messaging Services grouping those numbers.
// Checks HTTP Basic credentials the way the 2010-04-01 API does.
import { timingSafeEqual } from "node:crypto";
import { isE164, isSid, newSid } from "./sids.js";
import { notFoundError, twilioError, type TwilioFailure } from "./twilio-error.js";

/** One list (all owned by the single account) or accountSid → numbers. */
export type TwilioNumbersOption = readonly string[] | Readonly<Record<string, readonly string[]>>;

export interface TwilioAccountsInput {
  /** accountSid (AC + 32 hex) → auth token. */
  accounts: Readonly<Record<string, string>>;
  numbers: TwilioNumbersOption;
  /** Messaging Service SID (MG + 32 hex) → its sender numbers (hosted, one account). */
  messagingServices?: Readonly<Record<string, readonly string[]>>;
}

export interface TwilioHostedNumber {
  number: string;
  accountSid: string;
  messagingServiceSid?: string;
  /** Constant per sender, like the Installed Channel SID in WhatsApp status callbacks. */
  channelInstallSid: string;
}

export class TwilioAccounts {
  readonly #tokens = new Map<string, string>();
  readonly #numbers = new Map<string, TwilioHostedNumber>();
  readonly #services = new Map<string, { accountSid: string; numbers: string[] }>();

  constructor(input: TwilioAccountsInput) {
    for (const [sid, token] of Object.entries(input.accounts)) {
      if (!isSid("AC", sid)) throw new Error(`account SID must be AC followed by 32 hex digits: ${sid}`);
      if (token === "") throw new Error(`empty auth token for account ${sid}`);
      this.#tokens.set(sid, token);
    }
    const [firstAccount] = this.#tokens.keys();
    if (firstAccount === undefined) throw new Error("at least one account is required");

    const owned: Array<[string, readonly string[]]> = isList(input.numbers) ? [[firstAccount, input.numbers]] : Object.entries(input.numbers);
    if (isList(input.numbers) && this.#tokens.size > 1) throw new Error("with several accounts, give numbers as accountSid → numbers");
    for (const [accountSid, numbers] of owned) {
      if (!this.#tokens.has(accountSid)) throw new Error(`numbers given for unknown account ${accountSid}`);
      for (const number of numbers) {
        if (!isE164(number)) throw new Error(`sender numbers must be E.164 (+15550001111): ${number}`);
        if (this.#numbers.has(number)) throw new Error(`number ${number} is listed twice`);
        this.#numbers.set(number, { number, accountSid, channelInstallSid: newSid("XE") });
      }
    }
    if (this.#numbers.size === 0) throw new Error("at least one sender number is required");

    for (const [serviceSid, numbers] of Object.entries(input.messagingServices ?? {})) {
      if (!isSid("MG", serviceSid)) throw new Error(`Messaging Service SID must be MG followed by 32 hex digits: ${serviceSid}`);
      const hosted = numbers.map((n) => this.#numbers.get(n) ?? fail(`Messaging Service ${serviceSid} lists ${n}, which is not a sender number`));
      const [first] = hosted;
      if (first === undefined) throw new Error(`Messaging Service ${serviceSid} has no numbers`);
      if (hosted.some((h) => h.accountSid !== first.accountSid)) throw new Error(`Messaging Service ${serviceSid} spans several accounts`);
      for (const h of hosted) {
        if (h.messagingServiceSid !== undefined) throw new Error(`number ${h.number} is in two Messaging Services`);
        h.messagingServiceSid = serviceSid;
      }
      this.#services.set(serviceSid, { accountSid: first.accountSid, numbers: hosted.map((h) => h.number) });
    }
  }

  get numbers(): string[] {
    return [...this.#numbers.keys()];
  }

  tokenOf(accountSid: string): string | undefined {
    return this.#tokens.get(accountSid);
  }

  hosted(number: string): TwilioHostedNumber | undefined {
    const found = this.#numbers.get(number);
    return found === undefined ? undefined : { ...found };
  }

  service(serviceSid: string): { accountSid: string; numbers: string[] } | undefined {
    const found = this.#services.get(serviceSid);
    return found === undefined ? undefined : { accountSid: found.accountSid, numbers: [...found.numbers] };
  }

  /**
   * Checks `Authorization: Basic base64(AccountSid:AuthToken)` against the account in the path.
   * Bad or missing credentials → 401 / 20003; an account the sandbox does not know → 404 / 20404;
   * valid credentials of another account → 401 / 20003 (like a subaccount reaching its parent).
   */
  authenticate(authorization: string | undefined, pathAccountSid: string, path: string): { ok: true } | { ok: false; failure: TwilioFailure } {
    const credentials = basicCredentials(authorization);
    const expected = credentials === undefined ? undefined : this.#tokens.get(credentials.username);
    if (credentials === undefined || expected === undefined || !sameSecret(credentials.password, expected)) {
      return { ok: false, failure: twilioError(20003) };
    }
    if (!this.#tokens.has(pathAccountSid)) return { ok: false, failure: notFoundError(path) };
    if (credentials.username !== pathAccountSid) return { ok: false, failure: twilioError(20003) };
    return { ok: true };
  }
}

function isList(numbers: TwilioNumbersOption): numbers is readonly string[] {
  return Array.isArray(numbers);
}

function fail(message: string): never {
  throw new Error(message);
}

function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
