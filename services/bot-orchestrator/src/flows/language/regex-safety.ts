// Patterns shop owners write (regex triggers, question validation) run on every inbound message,
// so they must compile and must not backtrack catastrophically. The check is the usual "star
// height" rule: a repeated group may not contain another repetition ((a+)+, (a*b)*, (\d{2,})+).
// Backreferences are rejected too. Overlapping alternatives under a repetition ((a|a)*) are not
// detected: the engine also caps input length and runs patterns on short texts only.

export type RegexCheck = { ok: true } | { ok: false; code: "regex_invalid" | "regex_unsafe"; message: string };

export function checkRegex(pattern: string, flags = ""): RegexCheck {
  try {
    new RegExp(pattern, flags);
  } catch (error) {
    return { ok: false, code: "regex_invalid", message: `pattern does not compile: ${error instanceof Error ? error.message : String(error)}` };
  }
  const unsafe = findUnsafeConstruct(pattern);
  return unsafe === undefined ? { ok: true } : { ok: false, code: "regex_unsafe", message: unsafe };
}

interface Group {
  /** The group contains a repeating quantifier somewhere inside. */
  repeats: boolean;
}

/** Returns why the pattern is unsafe, or undefined. Assumes the pattern compiles. */
function findUnsafeConstruct(pattern: string): string | undefined {
  const stack: Group[] = [{ repeats: false }];
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i];
    let atom: Group | undefined;
    if (char === "\\") {
      const next = pattern[i + 1] ?? "";
      if (/[1-9]/.test(next) || next === "k") return "backreferences are not allowed";
      i += 2;
      atom = { repeats: false };
    } else if (char === "[") {
      i = skipClass(pattern, i);
      atom = { repeats: false };
    } else if (char === "(") {
      stack.push({ repeats: false });
      i += 1;
      continue;
    } else if (char === ")") {
      const group = stack.pop() ?? { repeats: false };
      i += 1;
      atom = group;
      // A group's inner repetitions are inside its parent too.
      const parent = stack[stack.length - 1];
      if (parent && group.repeats) parent.repeats = true;
    } else {
      i += 1;
      atom = { repeats: false };
    }
    const quantifier = readQuantifier(pattern, i);
    if (quantifier) {
      i = quantifier.end;
      if (quantifier.repeating) {
        if (atom.repeats) return `nested repetition near position ${i}: a repeated group contains a repetition (like (a+)+), which can take exponential time`;
        const current = stack[stack.length - 1];
        if (current) current.repeats = true;
      }
    }
  }
  return undefined;
}

function skipClass(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === "]") i += 1;
  while (i < pattern.length && pattern[i] !== "]") i += pattern[i] === "\\" ? 2 : 1;
  return i + 1;
}

/** A quantifier at `start`: repeating when it allows more than one occurrence. */
function readQuantifier(pattern: string, start: number): { end: number; repeating: boolean } | undefined {
  const char = pattern[start];
  let end: number;
  let repeating: boolean;
  if (char === "*" || char === "+") {
    end = start + 1;
    repeating = true;
  } else if (char === "?") {
    end = start + 1;
    repeating = false;
  } else if (char === "{") {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(start));
    if (!match) return undefined;
    end = start + match[0].length;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === "" || match[3] === undefined ? Infinity : Number(match[3]);
    // An exact count ({3}) is not ambiguous; a range is.
    repeating = max > 1 && max > min;
  } else {
    return undefined;
  }
  if (pattern[end] === "?") end += 1;
  return { end, repeating };
}
