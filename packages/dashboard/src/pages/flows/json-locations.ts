// Where each value of a JSON text starts, by JSON pointer ("/steps/menu/next" → its offset), so a
// validation problem can point at its line in the editor; and where a text that does not parse
// breaks (JSON.parse gives no positions: jsonc-parser's syntax tree does).
import { parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from "jsonc-parser";

export interface JsonLocations {
  /** Offset of the value at each pointer ("" is the whole document). */
  values: Map<string, number>;
  /** Offset just past the value at each pointer. */
  ends: Map<string, number>;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "JsonSyntaxError";
  }
}

/** "~" and "/" escaped as a JSON pointer's reference token (RFC 6901). */
export function pointerToken(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

export function pointerTokens(pointer: string): string[] {
  if (pointer === "" || pointer === "/") return [];
  return pointer
    .replace(/^\//, "")
    .split("/")
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** Scans `text` with jsonc-parser (strict JSON: no comments, no trailing commas); throws JsonSyntaxError at the first error. */
export function locateJson(text: string): JsonLocations {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first || !root) {
    const offset = first?.offset ?? 0;
    const what = first ? printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase() : "expected a value";
    throw new JsonSyntaxError(offset >= text.length ? "unexpected end of the text" : `${what} (found ${JSON.stringify(text[offset])})`, offset);
  }
  const values = new Map<string, number>();
  const ends = new Map<string, number>();
  const visit = (node: JsonNode, pointer: string): void => {
    values.set(pointer, node.offset);
    ends.set(pointer, node.offset + node.length);
    if (node.type === "object") {
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (key && value && typeof key.value === "string") visit(value, `${pointer}/${pointerToken(key.value)}`);
      }
    } else if (node.type === "array") {
      for (const [index, item] of (node.children ?? []).entries()) visit(item, `${pointer}/${index}`);
    }
  };
  visit(root, "");
  return { values, ends };
}

/** The step whose value holds `offset` (the editor's caret), if any. */
export function stepAt(locations: JsonLocations, offset: number): string | null {
  for (const [pointer, start] of locations.values) {
    const [root, step, ...rest] = pointerTokens(pointer);
    if (root !== "steps" || step === undefined || rest.length > 0) continue;
    if (offset >= start && offset <= (locations.ends.get(pointer) ?? start)) return step;
  }
  return null;
}

/** The offset of the value at `pointer`, or of its nearest ancestor that exists in the text. */
export function offsetOf(locations: JsonLocations, pointer: string): number {
  const tokens = pointerTokens(pointer);
  for (let length = tokens.length; length >= 0; length -= 1) {
    const prefix = tokens.slice(0, length).map((token) => `/${pointerToken(token)}`).join("");
    const offset = locations.values.get(prefix);
    if (offset !== undefined) return offset;
  }
  return 0;
}

/** 1-based line of an offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset && index < text.length; index += 1) if (text[index] === "\n") line += 1;
  return line;
}
