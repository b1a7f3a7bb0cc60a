import { describe, expect, it } from "@jest/globals";
import { createKeywordMatcher, editDistance, matchKeyword, normalizeText } from "./keywords.js";

describe("normalizeText", () => {
  it.each([
    ["menú", "menu"],
    ["MENU", "menu"],
    ["  Catálogo   de   ANILLOS ", "catalogo de anillos"],
    ["1️⃣", "1"],
    ["1\u20E3", "1"],
    ["🔟", "10"],
    ["¿Qué horario tienen?", "que horario tienen"],
    ["Hola!!! 👋", "hola"],
    ["Ñandú", "nandu"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });
});

describe("matchKeyword", () => {
  it.each<[string, string, "exact" | "word", "exact" | "typo" | undefined]>([
    ["menú", "menu", "exact", "exact"],
    ["MENU", "menu", "exact", "exact"],
    ["1️⃣", "1", "exact", "exact"],
    ["🔟", "10", "exact", "exact"],
    ["catalogo", "catálogo", "exact", "exact"],
    ["CATÁLOGO", "catalogo", "exact", "exact"],
    ["catalgo", "catálogo", "exact", "typo"],
    ["catlaogo", "catalogo", "exact", "typo"],
    ["catalogoo", "catalogo", "exact", "typo"],
    ["ctlgo", "catalogo", "exact", undefined],
    ["hila", "hola", "exact", undefined],
    ["hola", "hola", "exact", "exact"],
    ["hello", "hello", "exact", "exact"],
    ["helo", "hello", "exact", "typo"],
    ["prices", "price", "exact", "typo"],
    ["2", "1", "exact", undefined],
    ["12345", "12346", "exact", undefined],
    ["quiero ver el catalogo por favor", "catalogo", "exact", undefined],
    ["quiero ver el catalogo por favor", "catalogo", "word", "exact"],
    ["quiero ver el catalgo", "catalogo", "word", "typo"],
    ["I want to see the catalogue", "catalogue", "word", "exact"],
    ["buenos dias", "buenos días", "exact", "exact"],
    ["buenos", "buenos días", "exact", undefined],
    ["", "menu", "exact", undefined],
    ["menu", "!!!", "exact", undefined],
  ])("%j against %j (%s) → %s", (text, keyword, mode, expected) => {
    expect(matchKeyword(text, keyword, mode)).toBe(expected);
  });
});

describe("editDistance", () => {
  it.each([
    ["hola", "hola", 0],
    ["hola", "hila", 1],
    ["catalogo", "catlaogo", 1],
    ["abc", "", 3],
    ["kitten", "sitting", 3],
  ])("%j ↔ %j = %d", (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
  });

  it("stops early past the maximum", () => {
    expect(editDistance("abcdefgh", "zzzzzzzz", 1)).toBe(2);
  });
});

describe("createKeywordMatcher", () => {
  it("prefers an exact keyword over an earlier one matched with a typo", () => {
    const matcher = createKeywordMatcher(["ventas", "venta"]);
    expect(matcher.match("Venta")).toEqual({ keyword: "venta", match: "exact" });
  });

  it("answers undefined when no keyword matches and ignores keywords that normalise to nothing", () => {
    const matcher = createKeywordMatcher(["👋", "menu"]);
    expect(matcher.match("hola")).toBeUndefined();
    expect(matcher.match("Menú")).toEqual({ keyword: "menu", match: "exact" });
  });
});
