import { describe, expect, it } from "@jest/globals";
import { foldText, parseShopperQuery, type SearchOrder } from "./shopper-query.js";

interface Case {
  phrase: string;
  words: string[];
  min?: number | null;
  max?: number | null;
  order?: SearchOrder;
}

const words = (phrase: string) => parseShopperQuery(phrase).terms.map((group) => group[0]);

describe("parseShopperQuery", () => {
  const cases: Case[] = [
    { phrase: "anillo de oro", words: ["anillo", "oro"] },
    { phrase: "Anillo de ORO", words: ["anillo", "oro"] },
    { phrase: "anío de óro", words: ["anio", "oro"] },
    { phrase: "quiero una cadena de plata por favor", words: ["cadena", "plata"] },
    { phrase: "cadena barata", words: ["cadena"], order: "price_asc" },
    { phrase: "algo económico", words: [], order: "price_asc" },
    { phrase: "cheap silver chain", words: ["silver", "chain"], order: "price_asc" },
    { phrase: "anillo premium", words: ["anillo"], order: "price_desc" },
    { phrase: "pulsera de lujo", words: ["pulsera"], order: "price_desc" },
    { phrase: "luxury gold ring", words: ["gold", "ring"], order: "price_desc" },
    { phrase: "cadena entre 20 y 50", words: ["cadena"], min: 2000, max: 5000 },
    { phrase: "aretes de 100 a 300 pesos", words: ["aretes"], min: 10_000, max: 30_000 },
    { phrase: "between 20 and 50", words: [], min: 2000, max: 5000 },
    { phrase: "from $1,500 to $2,000", words: [], min: 150_000, max: 200_000 },
    { phrase: "entre 50 y 20", words: [], min: 2000, max: 5000 },
    { phrase: "anillo 200-400", words: ["anillo"], min: 20_000, max: 40_000 },
    { phrase: "anillo menos de 500", words: ["anillo"], max: 50_000 },
    { phrase: "cadena hasta 1.500 pesos", words: ["cadena"], max: 150_000 },
    { phrase: "ring under $300", words: ["ring"], max: 30_000 },
    { phrase: "less than 49.90", words: [], max: 4990 },
    { phrase: "máximo 80", words: [], max: 8000 },
    { phrase: "anillo de oro mas de 1000", words: ["anillo", "oro"], min: 100_000 },
    { phrase: "más de 1000", words: [], min: 100_000 },
    { phrase: "over 250 dollars", words: [], min: 25_000 },
    { phrase: "at least 10", words: [], min: 1000 },
    { phrase: "alrededor de 100", words: [], min: 8000, max: 12_000 },
    { phrase: "around 50", words: [], min: 4000, max: 6000 },
    { phrase: "collar $300", words: ["collar"], max: 30_000 },
    { phrase: "collar 300 pesos barato", words: ["collar"], max: 30_000, order: "price_asc" },
    { phrase: "anillo talla 7", words: ["anillo", "talla", "7"] },
    { phrase: "", words: [] },
    { phrase: "   ¿¡!?  ", words: [] },
    { phrase: "hasta 2k", words: [], max: 200_000 },
    { phrase: "anillo anillo ANILLO", words: ["anillo"] },
  ];

  it.each(cases)("understands %j", ({ phrase, words: expected, min = null, max = null, order = "relevance" }) => {
    const query = parseShopperQuery(phrase);
    expect({ words: query.terms.map((group) => group[0]), min: query.minPriceMinor, max: query.maxPriceMinor, order: query.order }).toEqual({ words: expected, min, max, order });
  });

  it("gives English shop words their Spanish twin as an alternative", () => {
    expect(parseShopperQuery("gold ring").terms).toEqual([
      ["gold", "oro"],
      ["ring", "anillo"],
    ]);
    expect(parseShopperQuery("silver bracelet").terms).toEqual([
      ["silver", "plata"],
      ["bracelet", "pulsera", "brazalete"],
    ]);
  });

  it("converts amounts with the currency's minor unit", () => {
    expect(parseShopperQuery("entre 20 y 50", { minorPerUnit: 1 })).toMatchObject({ minPriceMinor: 20, maxPriceMinor: 50 });
  });

  it("keeps at most eight words and reads only the first 500 characters", () => {
    expect(words("uno dos tres cuatro cinco seis siete ocho nueve diez")).toHaveLength(8);
    expect(words(`${"x ".repeat(300)}anillo`)).toEqual(["x"]);
  });

  it("ignores amounts so large they are not prices", () => {
    const query = parseShopperQuery(`menos de ${"9".repeat(400)}`);
    expect(query.maxPriceMinor === null || Number.isSafeInteger(query.maxPriceMinor)).toBe(true);
  });
});

describe("foldText", () => {
  it("drops accents and case the way the database folds the catalogue", () => {
    expect(foldText("Añillo ÓRO Pequeño")).toBe("anillo oro pequeno");
  });
});
