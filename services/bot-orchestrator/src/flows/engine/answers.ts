// What a contact's answer means at a waiting step: which button or list row it chose (by payload,
// by number, by title) and whether it is a valid answer to a question (and the value to store).
import type { JsonValue, StepOf } from "../language/index.js";
import { normalizeText, type KeywordMatcher } from "../language/index.js";
import type { CompiledFlow } from "./compiled-flow.js";
import type { MessageInput } from "./conversation-state.js";

/** The option a contact chose among buttons or list rows: its payload, its number (1-based), its title or id, or one of its synonyms. */
export function chooseOption<T extends { id: string; title: string; synonyms?: readonly string[] }>(
  options: readonly T[],
  input: MessageInput,
  synonymMatchers?: () => readonly KeywordMatcher[],
): T | undefined {
  if (input.payload !== undefined) {
    const byId = options.find((option) => option.id === input.payload);
    if (byId) return byId;
  }
  const typed = normalizeText(input.text);
  if (typed === "") return undefined;
  const number = /^\d{1,2}$/.test(typed) ? Number(typed) : NaN;
  if (number >= 1 && number <= options.length) return options[number - 1];
  const byTitle = options.find((option) => normalizeText(option.title) === typed || normalizeText(option.id) === typed);
  if (byTitle || !synonymMatchers || !options.some((option) => option.synonyms?.length)) return byTitle;
  // Synonyms: an exact match beats one with a typo, as for question options.
  let typo: T | undefined;
  for (const [index, matcher] of synonymMatchers().entries()) {
    const match = matcher.match(input.text);
    if (!match) continue;
    if (match.match === "exact") return options[index];
    typo ??= options[index];
  }
  return typo;
}

export type Answer = { valid: true; value: JsonValue } | { valid: false };

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}\.[^\s@.]{2,63}$/u;

export function checkAnswer(compiled: CompiledFlow, stepId: string, step: StepOf<"question">, input: MessageInput): Answer {
  const text = input.text.trim();
  const validation = step.validation;
  switch (validation.type) {
    case "options": {
      if (input.payload !== undefined) {
        const byPayload = validation.options.find((option) => option.value === input.payload);
        if (byPayload) return { valid: true, value: byPayload.value };
      }
      const matchers = compiled.optionMatcher(stepId, validation.options);
      let typo: string | undefined;
      for (const [index, matcher] of matchers.entries()) {
        const match = matcher.match(text);
        const value = validation.options[index]?.value;
        if (!match || value === undefined) continue;
        if (match.match === "exact") return { valid: true, value };
        typo ??= value;
      }
      return typo === undefined ? { valid: false } : { valid: true, value: typo };
    }
    case "number": {
      const number = parseNumber(text);
      if (number === undefined) return { valid: false };
      if (validation.integer === true && !Number.isInteger(number)) return { valid: false };
      if (validation.min !== undefined && number < validation.min) return { valid: false };
      if (validation.max !== undefined && number > validation.max) return { valid: false };
      return { valid: true, value: number };
    }
    case "regex":
      return text !== "" && compiled.questionRegex(stepId, validation.pattern, validation.flags).test(text) ? { valid: true, value: text } : { valid: false };
    case "email":
      return EMAIL.test(text) ? { valid: true, value: text.toLowerCase() } : { valid: false };
    case "phone": {
      if (!/^\+?[\d\s().-]+$/.test(text)) return { valid: false };
      const digits = text.replace(/\D/g, "");
      return digits.length >= 7 && digits.length <= 15 ? { valid: true, value: `+${digits}` } : { valid: false };
    }
    case "text": {
      const length = [...text].length;
      if (length === 0 || length < (validation.minLength ?? 1) || length > (validation.maxLength ?? 4096)) return { valid: false };
      return { valid: true, value: text };
    }
  }
}

/** "12", "12.5", "12,5", "1.200" (thousands), "$ 1,200.50" → a number; anything else → undefined. */
export function parseNumber(text: string): number | undefined {
  const cleaned = text.replace(/[\s$€£]/g, "");
  if (!/^[-+]?\d[\d.,]*$/.test(cleaned)) return undefined;
  let normalized = cleaned;
  const lastComma = cleaned.lastIndexOf(",");
  const lastDot = cleaned.lastIndexOf(".");
  if (lastComma >= 0 && lastDot >= 0) {
    // The later separator is the decimal one.
    normalized = lastComma > lastDot ? cleaned.replaceAll(".", "").replace(",", ".") : cleaned.replaceAll(",", "");
  } else if (lastComma >= 0) {
    // 1,5 is a decimal; 1,200 (three digits after one comma) is a thousand.
    normalized = /^[-+]?\d{1,3}(,\d{3})+$/.test(cleaned) ? cleaned.replaceAll(",", "") : cleaned.replace(",", ".");
  } else if (lastDot >= 0 && /^[-+]?\d{1,3}(\.\d{3}){2,}$/.test(cleaned)) {
    normalized = cleaned.replaceAll(".", "");
  }
  if ((normalized.match(/\./g) ?? []).length > 1) return undefined;
  const value = Number(normalized);
  return Number.isFinite(value) ? value : undefined;
}
