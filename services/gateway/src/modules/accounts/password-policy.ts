// The rules a new password must meet (registration, a user created or reset
// by a manager): PASSWORD_MIN_LENGTH to 256 characters, not the email, and
// not guessable — zxcvbn's estimate, with the common-password and diceware
// dictionaries and the account's own email, name and tenant as extra words,
// must reach score 3 ("safely unguessable: moderate protection from offline
// slow-hash scenario"). Existing passwords are never re-checked at login.
//
// zxcvbn and its dictionaries (about 20 MiB resident once ranked) are loaded on the first check, not
// at start: most gateway replicas never see a new password, and idle memory is what a replica costs.
import type { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { AppError } from "@fleet/service-kit";

export const MAX_PASSWORD_LENGTH = 256;
const MIN_SCORE = 3;
/**
 * zxcvbn looks at this many characters only: its matching grows steeply with
 * length (a 256-character l33t repetition costs ~0.5 s of event loop), and a
 * password whose first 64 characters are guessable is weak anyway.
 */
const ESTIMATE_LENGTH = 64;

/** English for zxcvbn's feedback keys (its own translations live in a package we do not ship); the keys go to clients too. */
const WARNINGS: Record<string, string> = {
  straightRow: "Straight rows of keys on your keyboard are easy to guess.",
  keyPattern: "Short keyboard patterns are easy to guess.",
  simpleRepeat: 'Repeated characters like "aaa" are easy to guess.',
  extendedRepeat: 'Repeated character patterns like "abcabcabc" are easy to guess.',
  sequences: 'Common character sequences like "abc" are easy to guess.',
  recentYears: "Recent years are easy to guess.",
  dates: "Dates are easy to guess.",
  topTen: "This is a heavily used password.",
  topHundred: "This is a frequently used password.",
  common: "This is a commonly used password.",
  similarToCommon: "This is similar to a commonly used password.",
  wordByItself: "Single words are easy to guess.",
  namesByThemselves: "Single names or surnames are easy to guess.",
  commonNames: "Common names and surnames are easy to guess.",
  userInputs: "There should not be any personal or account-related data.",
  pwned: "This password appears in data breaches.",
};

const SUGGESTIONS: Record<string, string> = {
  l33t: "Avoid predictable letter substitutions like '@' for 'a'.",
  reverseWords: "Avoid reversed spellings of common words.",
  allUppercase: "Capitalize some, but not all letters.",
  capitalization: "Capitalize more than the first letter.",
  dates: "Avoid dates and years that are associated with you.",
  recentYears: "Avoid recent years.",
  associatedYears: "Avoid years that are associated with you.",
  sequences: "Avoid common character sequences.",
  repeated: "Avoid repeated words and characters.",
  longerKeyboardPattern: "Use longer keyboard patterns and change typing direction multiple times.",
  anotherWord: "Add more words that are less common.",
  useWords: "Use multiple words, but avoid common phrases.",
  noNeed: "You can create strong passwords without using symbols, numbers, or uppercase letters.",
  pwned: "If you use this password elsewhere, you should change it.",
};

export interface PasswordPolicyOptions {
  /** PASSWORD_MIN_LENGTH. */
  minLength: number;
}

/**
 * Throws 400 WEAK_PASSWORD (details.reason: too_short, same_as_email or
 * too_guessable, with zxcvbn's warning and suggestions as keys and a hint in
 * English) or 400 PASSWORD_TOO_LONG; returns when the password is acceptable.
 * `related` are further words of the account (name, tenant) a password must not lean on.
 */
export type CheckPassword = (password: string, email: string, related?: readonly string[]) => Promise<void>;

/** Lengths in characters as a person counts them (code points after NFC, as the hash sees them), not UTF-16 units. */
function lengthOf(password: string): number {
  return [...password.normalize("NFC")].length;
}

const JOINERS = ["", "-", "_", ".", " "];

/**
 * The account's own words for zxcvbn: each value whole, its pieces, and its
 * pieces joined the ways people join them ("Tienda Ana" → tienda ana, tienda,
 * ana, tiendaana, tienda-ana, …): zxcvbn matches whole dictionary words and
 * scores a short piece between separators as random characters.
 */
function accountWords(email: string, related: readonly string[]): string[] {
  const words = new Set<string>();
  for (const value of [email, email.split("@")[0] ?? "", ...related]) {
    const whole = value.trim().toLowerCase();
    if (whole.length === 0) continue;
    words.add(whole);
    const pieces = whole.split(/[^\p{L}\p{N}]+/u).filter((piece) => piece.length >= 3);
    for (const piece of pieces) words.add(piece);
    if (pieces.length > 1) for (const joiner of JOINERS) words.add(pieces.join(joiner));
  }
  return [...words];
}

function weak(message: string, details: Record<string, unknown>): AppError {
  return new AppError("invalid_argument", "WEAK_PASSWORD", message, { details });
}

let estimator: Promise<ZxcvbnFactory> | undefined;

/**
 * The estimator, built once per process on first use: ranking the dictionaries takes tens of
 * milliseconds. Levenshtein matching stays off: it costs ~50 ms per check and changes little once
 * the threshold is score 3. A failed load is not kept, so the next check tries again.
 */
function loadEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= Promise.all([import("@zxcvbn-ts/core"), import("@zxcvbn-ts/language-common")]).then(
    ([{ ZxcvbnFactory }, { adjacencyGraphs, dictionary }]) => new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, maxLength: ESTIMATE_LENGTH }),
    (error: unknown) => {
      estimator = undefined;
      throw error;
    },
  );
  return estimator;
}

export function createPasswordPolicy({ minLength }: PasswordPolicyOptions): CheckPassword {
  return async function checkPassword(password, email, related = []) {
    const length = lengthOf(password);
    if (length > MAX_PASSWORD_LENGTH) {
      throw new AppError("invalid_argument", "PASSWORD_TOO_LONG", `Password must be at most ${MAX_PASSWORD_LENGTH} characters`, {
        details: { maxLength: MAX_PASSWORD_LENGTH },
      });
    }
    if (length < minLength) {
      throw weak(`Password must be at least ${minLength} characters`, { reason: "too_short", minLength });
    }
    const normalizedEmail = email.trim().toLowerCase();
    if (password.trim().toLowerCase() === normalizedEmail) {
      throw weak("Password must not be your email address", { reason: "same_as_email" });
    }
    const zxcvbn = await loadEstimator();
    const { score, feedback } = zxcvbn.check(password, accountWords(normalizedEmail, related));
    if (score >= MIN_SCORE) return;
    const warning = feedback.warning ?? undefined;
    const hintParts = [warning ? WARNINGS[warning] : undefined, ...feedback.suggestions.map((key) => SUGGESTIONS[key])].filter((part) => part !== undefined);
    const hint = hintParts.length > 0 ? hintParts.join(" ") : "Use a longer password made of several uncommon words.";
    throw weak(`Password is too easy to guess. ${hint}`, { reason: "too_guessable", score, minScore: MIN_SCORE, warning, suggestions: feedback.suggestions, hint });
  };
}
