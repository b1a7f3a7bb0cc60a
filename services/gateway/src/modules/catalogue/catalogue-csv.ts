// The catalogue's CSV format, shared by the import and the export so an export re-imports to the
// same catalogue. One product per row (variants are not part of the file), these columns:
//
//   sku,name,description,category,material,price,cost,currency,stock,stock_min,stock_max,active,keywords,image_urls
//
// Money is decimal text in the currency's unit with a dot ("1234.50"), converted to minor units
// with integer arithmetic only; keywords and image URLs are `|`-separated. Rows are checked with
// the same rules as the REST create, and every problem is reported with the line it starts on
// in the file (header = line 1; a quoted field spanning lines does not shift later rows).
import { parse, CsvError } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { AppError } from "@fleet/service-kit";
import type { ProductFields, ProductRecord } from "./catalogue.repository.js";
import { NewProductBody } from "./catalogue.schemas.js";

export const CSV_COLUMNS = ["sku", "name", "description", "category", "material", "price", "cost", "currency", "stock", "stock_min", "stock_max", "active", "keywords", "image_urls"] as const;
type Column = (typeof CSV_COLUMNS)[number];
const REQUIRED_COLUMNS: readonly Column[] = ["sku", "name", "price"];

/** Most product rows one import accepts. */
export const MAX_IMPORT_ROWS = 20_000;

export interface ImportProblem {
  /** Line of the file where the row starts (the header is line 1). */
  line: number;
  column?: string;
  code: string;
  message: string;
}

export interface CsvProduct {
  line: number;
  fields: ProductFields;
}

export interface ParsedCsv {
  /** Data rows read (valid or not). */
  rows: number;
  products: CsvProduct[];
  errors: ImportProblem[];
}

const FIELD_COLUMNS: Record<string, Column> = {
  sku: "sku",
  name: "name",
  description: "description",
  category: "category",
  material: "material",
  priceMinor: "price",
  costMinor: "cost",
  stock: "stock",
  stockMin: "stock_min",
  stockMax: "stock_max",
  imageUrls: "image_urls",
  keywords: "keywords",
  active: "active",
};

/** Digits after the decimal point of `currency` (2 for MXN and USD, 0 for JPY and CLP). */
export function minorDigitsOf(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "1234.50" → 123450 (two digits); null when the text is not a plain non-negative amount. */
export function parseMoney(text: string, digits: number): number | null {
  const match = /^(\d{1,16})(?:\.(\d+))?$/.exec(text);
  if (!match) return null;
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > digits) return null;
  const minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, "0") || "0");
  return minor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(minor) : null;
}

/** 123450 → "1234.50" (two digits). */
export function formatMoney(minor: number, digits: number): string {
  const text = String(minor).padStart(digits + 1, "0");
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

// A cell a spreadsheet would run as a formula is written with a leading apostrophe, which the
// import removes again, so opening an export in a spreadsheet is safe and the round trip exact.
const FORMULA_START = /^[=+\-@\t\r]/;
const defuse = (cell: string) => (FORMULA_START.test(cell) ? `'${cell}` : cell);
const restore = (cell: string) => (cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell);

const list = (cell: string) =>
  cell
    .split("|")
    .map((item) => item.trim())
    .filter((item) => item !== "");

const BOOLEANS: Record<string, boolean> = { "": true, true: true, false: false, yes: true, no: false, si: true, "sí": true, "1": true, "0": false };

interface CsvRecord {
  line: number;
  cells: string[];
}

/** The file's records with the line each starts on; a malformed file is one problem at the line where reading stopped. */
function readRecords(text: string): { records: CsvRecord[]; problem: ImportProblem | null } {
  // One line ending everywhere, so line numbers are what an editor shows whatever wrote the file.
  const normalised = text.replace(/\r\n?/g, "\n");
  try {
    const parsed: unknown = parse(normalised, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, to: MAX_IMPORT_ROWS + 2 });
    const records: CsvRecord[] = [];
    for (const entry of Array.isArray(parsed) ? parsed : []) {
      const { record, info } = readEntry(entry);
      // info.lines is the line the record ends on; newlines inside quoted fields are its earlier lines.
      const inner = record.reduce((count, cell) => count + (cell.match(/\n/g)?.length ?? 0), 0);
      records.push({ line: info - inner, cells: record });
    }
    return { records, problem: null };
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = typeof error.lines === "number" && error.lines > 0 ? error.lines : 1;
    return { records: [], problem: { line, code: "CSV_MALFORMED", message: `The file is not valid CSV: ${error.message}` } };
  }
}

function readEntry(entry: unknown): { record: string[]; info: number } {
  if (typeof entry === "object" && entry !== null && "record" in entry && "info" in entry && Array.isArray(entry.record)) {
    const info: unknown = entry.info;
    const lines = typeof info === "object" && info !== null && "lines" in info && typeof info.lines === "number" ? info.lines : 1;
    return { record: entry.record.map(String), info: lines };
  }
  return { record: [], info: 1 };
}

function headerOf(cells: string[]): { columns: (Column | null)[]; errors: ImportProblem[] } {
  const errors: ImportProblem[] = [];
  const seen = new Set<Column>();
  const columns = cells.map((cell) => {
    const name = cell.trim().toLowerCase();
    const column = CSV_COLUMNS.find((known) => known === name) ?? null;
    if (column === null) errors.push({ line: 1, column: cell, code: "UNKNOWN_COLUMN", message: `Unknown column "${cell}"; columns are ${CSV_COLUMNS.join(", ")}` });
    else if (seen.has(column)) errors.push({ line: 1, column, code: "DUPLICATE_COLUMN", message: `Column "${column}" appears twice` });
    else seen.add(column);
    return column;
  });
  for (const required of REQUIRED_COLUMNS) {
    if (!seen.has(required)) errors.push({ line: 1, column: required, code: "MISSING_COLUMN", message: `The header must have a "${required}" column` });
  }
  return { columns, errors };
}

/** One data row → product fields, or its problems. */
function productOf(line: number, cells: Map<Column, string>, currency: string, digits: number): { fields: ProductFields | null; errors: ImportProblem[] } {
  const errors: ImportProblem[] = [];
  const cell = (column: Column) => restore(cells.get(column) ?? "").trim();
  const problem = (column: Column, code: string, message: string) => errors.push({ line, column, code, message });

  const money = (column: Column): number | null => {
    const text = cell(column);
    if (text === "") return null;
    const value = parseMoney(text, digits);
    if (value === null) problem(column, "INVALID_MONEY", `"${text}" is not an amount in ${currency}: digits with at most ${digits} decimals after a dot, no thousands separators`);
    return value;
  };
  const integer = (column: Column): number | null => {
    const text = cell(column);
    if (text === "") return null;
    if (!/^-?\d{1,10}$/.test(text)) {
      problem(column, "INVALID_NUMBER", `"${text}" is not a whole number`);
      return null;
    }
    return Number(text);
  };

  const rowCurrency = cell("currency").toUpperCase();
  if (rowCurrency !== "" && rowCurrency !== currency) problem("currency", "CURRENCY_MISMATCH", `The shop sells in ${currency}; this row is in ${rowCurrency}`);
  const price = money("price");
  if (price === null && cell("price") === "") problem("price", "INVALID_VALUE", "A price is required");
  const activeText = cell("active").toLowerCase();
  const active = BOOLEANS[activeText];
  if (active === undefined) problem("active", "INVALID_VALUE", `"${cell("active")}" is not true or false`);

  const candidate = {
    sku: cell("sku"),
    name: cell("name"),
    description: cell("description"),
    category: cell("category"),
    material: cell("material"),
    priceMinor: price ?? 0,
    costMinor: money("cost"),
    stock: integer("stock") ?? 0,
    stockMin: integer("stock_min") ?? 0,
    stockMax: integer("stock_max"),
    imageUrls: list(cell("image_urls")),
    keywords: list(cell("keywords")),
    active: active ?? true,
  };
  const checked = NewProductBody.safeParse(candidate);
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const field = String(issue.path[0] ?? "");
      const column = FIELD_COLUMNS[field];
      // A cell already reported as unreadable is not reported again for its placeholder value.
      if (column !== undefined && errors.some((known) => known.column === column)) continue;
      errors.push({ line, ...(column ? { column } : {}), code: "INVALID_VALUE", message: issue.message });
    }
  }
  return { fields: checked.success && errors.length === 0 ? checked.data : null, errors };
}

/**
 * The products of a CSV file priced in `currency`, with every problem found without the database
 * (unreadable cells, the REST create's rules, the same SKU twice in the file, another currency).
 * More than MAX_IMPORT_ROWS rows is 400 IMPORT_TOO_LARGE.
 */
export function parseCatalogueCsv(text: string, currency: string): ParsedCsv {
  const { records, problem } = readRecords(text);
  if (problem) return { rows: 0, products: [], errors: [problem] };
  const [header, ...data] = records;
  if (data.length > MAX_IMPORT_ROWS) throw new AppError("invalid_argument", "IMPORT_TOO_LARGE", `An import holds at most ${MAX_IMPORT_ROWS} products; split the file`, { details: { maxRows: MAX_IMPORT_ROWS } });
  if (!header) return { rows: 0, products: [], errors: REQUIRED_COLUMNS.map((column) => ({ line: 1, column, code: "MISSING_COLUMN", message: `The header must have a "${column}" column` })) };
  const { columns, errors } = headerOf(header.cells);
  if (errors.length > 0) return { rows: data.length, products: [], errors };

  const digits = minorDigitsOf(currency);
  const products: CsvProduct[] = [];
  const firstLineOfSku = new Map<string, number>();
  for (const record of data) {
    if (record.cells.length !== columns.length) {
      errors.push({ line: record.line, code: "COLUMN_COUNT", message: `The row has ${record.cells.length} fields; the header has ${columns.length}` });
      continue;
    }
    const cells = new Map<Column, string>();
    columns.forEach((column, index) => {
      if (column !== null) cells.set(column, record.cells[index] ?? "");
    });
    const row = productOf(record.line, cells, currency, digits);
    const skuKey = restore(cells.get("sku") ?? "")
      .trim()
      .toUpperCase();
    const earlier = firstLineOfSku.get(skuKey);
    if (skuKey !== "" && earlier !== undefined) row.errors.push({ line: record.line, column: "sku", code: "DUPLICATE_SKU", message: `SKU ${skuKey} is already on line ${earlier} of the file` });
    else if (skuKey !== "") firstLineOfSku.set(skuKey, record.line);
    errors.push(...row.errors);
    if (row.fields && row.errors.length === 0) products.push({ line: record.line, fields: row.fields });
  }
  return { rows: data.length, products, errors };
}

/** The catalogue as CSV (UTF-8 with a byte order mark, so spreadsheets read accents right), products in SKU order. */
export function writeCatalogueCsv(products: readonly ProductRecord[]): string {
  const rows = products.map((product) => {
    const digits = minorDigitsOf(product.currency);
    const cells: Record<Column, string> = {
      sku: product.sku,
      name: product.name,
      description: product.description,
      category: product.category,
      material: product.material,
      price: formatMoney(product.priceMinor, digits),
      cost: product.costMinor === null ? "" : formatMoney(product.costMinor, digits),
      currency: product.currency,
      stock: String(product.stock),
      stock_min: String(product.stockMin),
      stock_max: product.stockMax === null ? "" : String(product.stockMax),
      active: product.active ? "true" : "false",
      keywords: product.keywords.join("|"),
      image_urls: product.imageUrls.join("|"),
    };
    return CSV_COLUMNS.map((column) => defuse(cells[column]));
  });
  return stringify([[...CSV_COLUMNS], ...rows], { bom: true, record_delimiter: "\n" });
}
