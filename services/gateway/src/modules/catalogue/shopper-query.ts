// A shopper's phrase ("anillo de oro barato", "cadena entre 20 y 50", "gold ring under $300") →
// what the catalogue search needs: the words to look for (accents and case folded, filler words
// dropped, a few English shop words given their Spanish twin) and the price range and ordering the
// phrase implies. Prices in the phrase are in the currency's major unit; the result is in minor
// units. Pure: no I/O, so the same phrase always means the same search.

export type SearchOrder = "relevance" | "price_asc" | "price_desc";

export interface ShopperQuery {
  /** One group per searched word: the word first, then equivalent spellings (any of them matches). */
  terms: string[][];
  minPriceMinor: number | null;
  maxPriceMinor: number | null;
  order: SearchOrder;
}

/** Accent-, case- and punctuation-insensitive form, as the database folds the catalogue (unaccent + lower). */
export function foldText(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

const CHEAP = new Set(["barato", "barata", "baratos", "baratas", "baratito", "baratita", "economico", "economica", "economicos", "economicas", "accesible", "accesibles", "cheap", "cheaper", "cheapest", "affordable", "inexpensive", "budget"]);
const PREMIUM = new Set(["premium", "caro", "cara", "caros", "caras", "lujo", "lujoso", "lujosa", "lujosos", "lujosas", "exclusivo", "exclusiva", "exclusivos", "exclusivas", "fino", "fina", "finos", "finas", "expensive", "luxury", "luxurious", "exclusive", "fancy", "premier"]);

/** Words that carry no product meaning in a shopper's sentence, in Spanish and English. */
const FILLER = new Set(
  (
    "de del la el los las lo un una unos unas al a para por con sin en y o u que quiero quisiera busco buscando " +
    "tienes tiene tienen tengan hay me mi mis te tu su sus algo alguno alguna algun ver ves muestrame muestra mostrar ensename " +
    "favor porfa porfavor hola gracias precio precios cuesta cuestan cuanto vale valen pesos peso mxn dolares dolar usd eur euros " +
    "i a an the some any do does you your have has with of in on for please show me want wanted looking need would like " +
    "price prices cost costs dollars dollar pesos is are it its my que quiero como mas muy bien bueno buena"
  ).split(" "),
);

/** English shop words → the Spanish word a Spanish catalogue uses (both are searched). */
const TWINS: Record<string, string[]> = {
  gold: ["oro"],
  golden: ["oro", "dorado"],
  silver: ["plata"],
  ring: ["anillo"],
  rings: ["anillo"],
  chain: ["cadena"],
  chains: ["cadena"],
  necklace: ["collar"],
  necklaces: ["collar"],
  bracelet: ["pulsera", "brazalete"],
  bracelets: ["pulsera", "brazalete"],
  earring: ["arete"],
  earrings: ["arete"],
  pendant: ["dije"],
  pendants: ["dije"],
  watch: ["reloj"],
  watches: ["reloj"],
  dorado: ["oro"],
  dorada: ["oro"],
  plateado: ["plata"],
  plateada: ["plata"],
};

// "1,500", "1.500", "1500", "49.90", "49,90": thousands groups or up to two decimals.
const AMOUNT = String.raw`\$?\s*(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d{1,2})?)\s*(?:\$|pesos?|mxn|usd|dolares?|dollars?|eur|euros?|k\b)?`;

interface PriceRule {
  pattern: RegExp;
  apply(amounts: number[]): { min?: number; max?: number };
}

const PRICE_RULES: PriceRule[] = [
  { pattern: new RegExp(String.raw`\b(?:entre|between|de|from|desde)\s+${AMOUNT}\s*(?:y|a|and|to|hasta|-)\s*${AMOUNT}`, "g"), apply: ([a = 0, b = 0]) => ({ min: Math.min(a, b), max: Math.max(a, b) }) },
  { pattern: new RegExp(String.raw`${AMOUNT}\s*(?:-|a|to)\s*${AMOUNT}`, "g"), apply: ([a = 0, b = 0]) => ({ min: Math.min(a, b), max: Math.max(a, b) }) },
  {
    pattern: new RegExp(String.raw`(?:\b(?:alrededor\s+de|cerca\s+de|como|unos|around|about|approximately|approx)\s+|~\s*)${AMOUNT}`, "g"),
    apply: ([a = 0]) => ({ min: a * 0.8, max: a * 1.2 }),
  },
  {
    pattern: new RegExp(
      String.raw`(?:\b(?:menos\s+de|menor(?:es)?\s+(?:a|de|que)|no\s+mas\s+de|hasta|maximo|max|por\s+debajo\s+de|debajo\s+de|under|below|less\s+than|cheaper\s+than|up\s+to|at\s+most|no\s+more\s+than|max(?:imum)?)\s+|<=?\s*)${AMOUNT}`,
      "g",
    ),
    apply: ([a = 0]) => ({ max: a }),
  },
  {
    pattern: new RegExp(String.raw`(?:\b(?:mas\s+de|mayor(?:es)?\s+(?:a|de|que)|desde|minimo|min|por\s+encima\s+de|arriba\s+de|over|above|more\s+than|at\s+least|from|min(?:imum)?)\s+|>=?\s*)${AMOUNT}`, "g"),
    apply: ([a = 0]) => ({ min: a }),
  },
  // A bare amount with a currency mark ("$300", "300 pesos") is a budget: at most that.
  { pattern: /\$\s*(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d{1,2})?)|(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d{1,2})?)\s*(?:pesos?|mxn|usd|dolares?|dollars?|euros?)\b/g, apply: ([a = 0]) => ({ max: a }) },
];

/** "1,500" → 1500, "49,90" → 49.9, "2k" handled by the caller. */
function parseAmount(raw: string): number {
  const compact = raw.replace(/\s/g, "");
  if (/^\d{1,3}(?:[.,]\d{3})+$/.test(compact)) return Number(compact.replace(/[.,]/g, ""));
  return Number(compact.replace(",", "."));
}

function amountsOf(whole: string, groups: readonly (string | undefined)[]): number[] {
  const thousands = /k\b/.test(whole) ? 1000 : 1;
  return groups.filter((group): group is string => group !== undefined).map((group) => parseAmount(group) * thousands);
}

function extractPrices(text: string): { rest: string; min: number | null; max: number | null } {
  let rest = text;
  let min: number | null = null;
  let max: number | null = null;
  for (const rule of PRICE_RULES) {
    rest = rest.replace(rule.pattern, (whole: string, ...args: unknown[]) => {
      // replace() passes the groups, then the offset (a number): keep the groups only.
      const groups = args.slice(0, args.findIndex((arg) => typeof arg === "number")).map((arg) => (typeof arg === "string" ? arg : undefined));
      const range = rule.apply(amountsOf(whole, groups));
      if (range.min !== undefined) min = range.min;
      if (range.max !== undefined) max = range.max;
      return " ";
    });
  }
  return { rest, min, max };
}

/** Whole minor units of a major-unit amount (at 100 minor per unit: 49.9 → 4990). */
function toMinor(amount: number | null, minorPerUnit: number): number | null {
  if (amount === null || !Number.isFinite(amount) || amount < 0) return null;
  return Math.min(Math.round(amount * minorPerUnit), Number.MAX_SAFE_INTEGER);
}

const MAX_TERMS = 8;

export function parseShopperQuery(phrase: string, { minorPerUnit = 100 }: { minorPerUnit?: number } = {}): ShopperQuery {
  const folded = foldText(phrase.slice(0, 500));
  const { rest, min, max } = extractPrices(folded);
  let order: SearchOrder = "relevance";
  const terms: string[][] = [];
  const seen = new Set<string>();
  for (const word of rest.split(/[^a-z0-9]+/)) {
    if (word === "" || FILLER.has(word)) continue;
    if (CHEAP.has(word)) order = "price_asc";
    else if (PREMIUM.has(word)) order = "price_desc";
    else if (!seen.has(word) && terms.length < MAX_TERMS) {
      seen.add(word);
      terms.push([word, ...(TWINS[word] ?? [])]);
    }
  }
  let minPriceMinor = toMinor(min, minorPerUnit);
  let maxPriceMinor = toMinor(max, minorPerUnit);
  if (minPriceMinor !== null && maxPriceMinor !== null && minPriceMinor > maxPriceMinor) [minPriceMinor, maxPriceMinor] = [maxPriceMinor, minPriceMinor];
  return { terms, minPriceMinor, maxPriceMinor, order };
}
