// How trigger keywords (and question option synonyms) meet what contacts type: both sides are
// normalised (case, accents, keycap emoji, punctuation, spaces), then compared word by word,
// forgiving one typo (Damerau-Levenshtein distance 1) in words of 5+ letters only — shorter
// words have too many neighbours ("hola"/"hila", "si"/"no").

/** Words of at least this many characters forgive one typo. */
export const TYPO_MIN_WORD_LENGTH = 5;

const KEYCAP = /([0-9#*])\uFE0F?\u20E3/gu;
const KEYCAP_TEN = /\u{1F51F}/gu;

/** Lower case, accents removed (NFD), 1️⃣ → 1 and 🔟 → 10, anything but letters and digits → one space, trimmed. */
export function normalizeText(text: string): string {
  return text
    .replace(KEYCAP_TEN, " 10 ")
    .replace(KEYCAP, " $1 ")
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/**
 * Damerau-Levenshtein distance (optimal string alignment: insert, delete, substitute, swap two
 * neighbours), stopping early once it exceeds `max` (then returns max + 1).
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const s = [...a];
  const t = [...b];
  let previous2: number[] = [];
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= t.length; j += 1) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) value = Math.min(value, (previous2[j - 2] ?? 0) + 1);
      current[j] = value;
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    previous2 = previous;
    previous = current;
  }
  return previous[t.length] ?? 0;
}

export type KeywordMatch = "exact" | "typo";

function wordMatch(typed: string, keyword: string): KeywordMatch | undefined {
  if (typed === keyword) return "exact";
  const forgiving = [...keyword].length >= TYPO_MIN_WORD_LENGTH && /\p{L}/u.test(keyword);
  return forgiving && editDistance(typed, keyword, 1) <= 1 ? "typo" : undefined;
}

function wordsMatch(typed: readonly string[], keyword: readonly string[]): KeywordMatch | undefined {
  if (typed.length !== keyword.length) return undefined;
  let result: KeywordMatch = "exact";
  for (let i = 0; i < keyword.length; i += 1) {
    const match = wordMatch(typed[i] ?? "", keyword[i] ?? "");
    if (match === undefined) return undefined;
    if (match === "typo") result = "typo";
  }
  return result;
}

export type KeywordMode = "exact" | "word";

/**
 * Whether a message matches a keyword. exact: the whole message is the keyword; word: the
 * keyword's words appear together in the message. "exact" beats "typo" when triggers compete.
 */
export function matchKeyword(text: string, keyword: string, mode: KeywordMode = "exact"): KeywordMatch | undefined {
  return matchWords(splitWords(normalizeText(text)), splitWords(normalizeText(keyword)), mode);
}

/** matchKeyword on words already normalised and split. */
function matchWords(typed: readonly string[], wanted: readonly string[], mode: KeywordMode): KeywordMatch | undefined {
  if (wanted.length === 0) return undefined;
  if (mode === "exact") return wordsMatch(typed, wanted);
  let best: KeywordMatch | undefined;
  for (let start = 0; start + wanted.length <= typed.length; start += 1) {
    const match = wordsMatch(typed.slice(start, start + wanted.length), wanted);
    if (match === "exact") return "exact";
    best ??= match;
  }
  return best;
}

export interface KeywordMatcher {
  /** The first keyword the message matches exactly, else the first it matches with a typo. */
  match(text: string): { keyword: string; match: KeywordMatch } | undefined;
}

export function createKeywordMatcher(keywords: readonly string[], mode: KeywordMode = "exact"): KeywordMatcher {
  // Normalised once here, and the message once per match: not once per keyword and message.
  const usable = keywords.map((keyword) => ({ keyword, words: splitWords(normalizeText(keyword)) })).filter(({ words }) => words.length > 0);
  return {
    match(text) {
      const typed = splitWords(normalizeText(text));
      let typo: { keyword: string; match: KeywordMatch } | undefined;
      for (const { keyword, words } of usable) {
        const match = matchWords(typed, words, mode);
        if (match === "exact") return { keyword, match };
        if (match === "typo") typo ??= { keyword, match };
      }
      return typo;
    },
  };
}

function splitWords(normalized: string): string[] {
  return normalized === "" ? [] : normalized.split(" ");
}
