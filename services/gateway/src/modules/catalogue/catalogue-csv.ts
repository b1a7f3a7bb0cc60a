// The catalogue's CSV format, shared by the import and the export so an export re-imports to the
// same catalogue, variants included. These columns (matched by header name, in any order):
//
//   sku,name,description,category,material,price,cost,currency,stock,stock_min,stock_max,active,keywords,image_urls,variant_of,size,colour
//
// One row per product, as before variants existed, plus one row per variant: a row with
// `variant_of` (its product's SKU) is a variant. Rows rather than variant columns on the product's
// row because a variant has its own SKU, stock and price, a product any number of variants, and a
// spreadsheet user edits one variant's stock on one row; the new columns come last so an older
// file (without them) still imports and tools reading an older export by position keep working.
//   - A variant row uses sku, price (empty: the product's price), currency, stock, stock_min,
//     active, size and colour. The product-only columns (name, description, category, material,
//     cost, stock_max, keywords, image_urls) must be empty there, and size and colour on a product
//     row: a filled one is a COLUMN_NOT_APPLICABLE problem rather than silently dropped, since it
//     most likely means a missing or wrong variant_of.
//   - A variant's product is a product row of the same file (before or after it) or a product
//     already in the catalogue; products and variants share one SKU registry, so a SKU appears
//     once per file. Variants are created or updated by SKU; a variant SKU that belongs to
//     another product's variant is refused (a variant never moves). Variants missing from the
//     file are left as they are: an import never deletes.
//   - Stock in the file replaces a variant's stock, as a product's (not logged as an adjustment).
//   - The header needs sku, name and price, as before (in a file of variants only, left empty).
//   - The export writes each product's row followed by its variants' rows, in SKU order.
//
// Money is decimal text in the currency's unit with a dot ("1234.50"), converted to minor units
// with integer arithmetic only; keywords and image URLs are `|`-separated. Rows are checked with
// the same rules as the REST create, and every problem is reported with the line it starts on
// in the file (header = line 1; a quoted field spanning lines does not shift later rows).
import { parse, CsvError } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import type { z } from "zod";
import { AppError } from "@fleet/service-kit";
import type { ProductFields, ProductRecord, VariantFields } from "./catalogue.repository.js";
import { NewProductBody, NewVariantBody } from "./catalogue.schemas.js";

export const CSV_COLUMNS = ["sku", "name", "description", "category", "material", "price", "cost", "currency", "stock", "stock_min", "stock_max", "active", "keywords", "image_urls", "variant_of", "size", "colour"] as const;
type Column = (typeof CSV_COLUMNS)[number];
const REQUIRED_COLUMNS: readonly Column[] = ["sku", "name", "price"];
/** Columns a variant row leaves empty: the product's own. */
const PRODUCT_ONLY_COLUMNS: readonly Column[] = ["name", "description", "category", "material", "cost", "stock_max", "keywords", "image_urls"];
/** Columns a product row leaves empty. */
const VARIANT_ONLY_COLUMNS: readonly Column[] = ["size", "colour"];

/** Most rows (products and variants) one import accepts. */
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

export interface CsvVariant {
  line: number;
  /** The product's SKU as written in variant_of. */
  productSku: string;
  /** True when a product row of the file has that SKU (the catalogue need not have it yet). */
  productInFile: boolean;
  fields: VariantFields;
}

export interface ParsedCsv {
  /** Data rows read (valid or not). */
  rows: number;
  products: CsvProduct[];
  variants: CsvVariant[];
  errors: ImportProblem[];
}

const PRODUCT_FIELD_COLUMNS: Record<string, Column> = {
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

// The REST variant create's rules, every field given by the row.
const CsvVariantFields = NewVariantBody;
const VARIANT_FIELD_COLUMNS: Record<string, Column> = { sku: "sku", size: "size", colour: "colour", priceMinor: "price", stock: "stock", stockMin: "stock_min", active: "active" };

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

/** The cells of one data row, read the same way for products and variants; problems collect in `errors`. */
function rowReader(line: number, cells: Map<Column, string>, currency: string, digits: number) {
  const errors: ImportProblem[] = [];
  const cell = (column: Column) => restore(cells.get(column) ?? "").trim();
  const problem = (column: Column, code: string, message: string) => errors.push({ line, column, code, message });
  return {
    errors,
    cell,
    problem,
    money(column: Column): number | null {
      const text = cell(column);
      if (text === "") return null;
      const value = parseMoney(text, digits);
      if (value === null) problem(column, "INVALID_MONEY", `"${text}" is not an amount in ${currency}: digits with at most ${digits} decimals after a dot, no thousands separators`);
      return value;
    },
    integer(column: Column): number | null {
      const text = cell(column);
      if (text === "") return null;
      if (!/^-?\d{1,10}$/.test(text)) {
        problem(column, "INVALID_NUMBER", `"${text}" is not a whole number`);
        return null;
      }
      return Number(text);
    },
    active(): boolean | null {
      const value = BOOLEANS[cell("active").toLowerCase()];
      if (value === undefined) problem("active", "INVALID_VALUE", `"${cell("active")}" is not true or false`);
      return value ?? null;
    },
    currency(): void {
      const rowCurrency = cell("currency").toUpperCase();
      if (rowCurrency !== "" && rowCurrency !== currency) problem("currency", "CURRENCY_MISMATCH", `The shop sells in ${currency}; this row is in ${rowCurrency}`);
    },
    /** Each schema issue on its column, unless that cell was already reported as unreadable (its placeholder value is not the user's). */
    issues(issues: z.ZodError["issues"], fieldColumns: Record<string, Column>): void {
      for (const issue of issues) {
        const column = fieldColumns[String(issue.path[0] ?? "")];
        if (column !== undefined && errors.some((known) => known.column === column)) continue;
        errors.push({ line, ...(column ? { column } : {}), code: "INVALID_VALUE", message: issue.message });
      }
    },
  };
}

/** One product row → product fields, or its problems. */
function productOf(line: number, cells: Map<Column, string>, currency: string, digits: number): { fields: ProductFields | null; errors: ImportProblem[] } {
  const row = rowReader(line, cells, currency, digits);
  for (const column of VARIANT_ONLY_COLUMNS) {
    if (row.cell(column) !== "") row.problem(column, "COLUMN_NOT_APPLICABLE", `${column} is for variant rows: name the product's SKU in variant_of, or leave ${column} empty`);
  }
  row.currency();
  const price = row.money("price");
  if (price === null && row.cell("price") === "") row.problem("price", "INVALID_VALUE", "A price is required");
  const active = row.active();

  const candidate = {
    sku: row.cell("sku"),
    name: row.cell("name"),
    description: row.cell("description"),
    category: row.cell("category"),
    material: row.cell("material"),
    priceMinor: price ?? 0,
    costMinor: row.money("cost"),
    stock: row.integer("stock") ?? 0,
    stockMin: row.integer("stock_min") ?? 0,
    stockMax: row.integer("stock_max"),
    imageUrls: list(row.cell("image_urls")),
    keywords: list(row.cell("keywords")),
    active: active ?? true,
  };
  const checked = NewProductBody.safeParse(candidate);
  if (!checked.success) row.issues(checked.error.issues, PRODUCT_FIELD_COLUMNS);
  return { fields: checked.success && row.errors.length === 0 ? checked.data : null, errors: row.errors };
}

/** One variant row → variant fields, or its problems. */
function variantOf(line: number, cells: Map<Column, string>, currency: string, digits: number): { fields: VariantFields | null; errors: ImportProblem[] } {
  const row = rowReader(line, cells, currency, digits);
  for (const column of PRODUCT_ONLY_COLUMNS) {
    if (row.cell(column) !== "") row.problem(column, "COLUMN_NOT_APPLICABLE", `A variant row leaves ${column} empty: it is the product's, set on the product's row`);
  }
  row.currency();
  const active = row.active();
  const candidate = {
    sku: row.cell("sku"),
    size: row.cell("size"),
    colour: row.cell("colour"),
    priceMinor: row.money("price"),
    stock: row.integer("stock") ?? 0,
    stockMin: row.integer("stock_min") ?? 0,
    active: active ?? true,
  };
  const checked = CsvVariantFields.safeParse(candidate);
  if (!checked.success) row.issues(checked.error.issues, VARIANT_FIELD_COLUMNS);
  return { fields: checked.success && row.errors.length === 0 ? checked.data : null, errors: row.errors };
}

const skuKeyOf = (cell: string | undefined) =>
  restore(cell ?? "")
    .trim()
    .toUpperCase();

/**
 * The products and variants of a CSV file priced in `currency`, with every problem found without
 * the database (unreadable cells, the REST create's rules, a SKU twice in the file, another
 * currency, a cell the row's kind does not have). Whether a variant's product exists and who holds
 * each SKU is for the caller to check. More than MAX_IMPORT_ROWS rows is 400 IMPORT_TOO_LARGE.
 */
export function parseCatalogueCsv(text: string, currency: string): ParsedCsv {
  const { records, problem } = readRecords(text);
  if (problem) return { rows: 0, products: [], variants: [], errors: [problem] };
  const [header, ...data] = records;
  if (data.length > MAX_IMPORT_ROWS) throw new AppError("invalid_argument", "IMPORT_TOO_LARGE", `An import holds at most ${MAX_IMPORT_ROWS} rows; split the file`, { details: { maxRows: MAX_IMPORT_ROWS } });
  if (!header) return { rows: 0, products: [], variants: [], errors: REQUIRED_COLUMNS.map((column) => ({ line: 1, column, code: "MISSING_COLUMN", message: `The header must have a "${column}" column` })) };
  const { columns, errors } = headerOf(header.cells);
  if (errors.length > 0) return { rows: data.length, products: [], variants: [], errors };

  const digits = minorDigitsOf(currency);
  const rows: { line: number; cells: Map<Column, string> }[] = [];
  for (const record of data) {
    if (record.cells.length !== columns.length) {
      errors.push({ line: record.line, code: "COLUMN_COUNT", message: `The row has ${record.cells.length} fields; the header has ${columns.length}` });
      continue;
    }
    const cells = new Map<Column, string>();
    columns.forEach((column, index) => {
      if (column !== null) cells.set(column, record.cells[index] ?? "");
    });
    rows.push({ line: record.line, cells });
  }
  // Every product row's SKU, valid or not, so a variant of a bad product row is not also reported as orphaned.
  const productSkus = new Set(rows.filter(({ cells }) => skuKeyOf(cells.get("variant_of")) === "").map(({ cells }) => skuKeyOf(cells.get("sku"))));

  const products: CsvProduct[] = [];
  const variants: CsvVariant[] = [];
  const firstLineOfSku = new Map<string, number>();
  /** Records the row's problems, plus DUPLICATE_SKU when an earlier row has its SKU (products and variants share the registry); true when it has none. */
  const accepted = (line: number, cells: Map<Column, string>, rowErrors: ImportProblem[]) => {
    const skuKey = skuKeyOf(cells.get("sku"));
    const earlier = firstLineOfSku.get(skuKey);
    if (skuKey !== "" && earlier !== undefined) rowErrors.push({ line, column: "sku", code: "DUPLICATE_SKU", message: `SKU ${skuKey} is already on line ${earlier} of the file` });
    else if (skuKey !== "") firstLineOfSku.set(skuKey, line);
    errors.push(...rowErrors);
    return rowErrors.length === 0;
  };
  for (const { line, cells } of rows) {
    const productSku = restore(cells.get("variant_of") ?? "").trim();
    if (productSku === "") {
      const row = productOf(line, cells, currency, digits);
      if (accepted(line, cells, row.errors) && row.fields) products.push({ line, fields: row.fields });
    } else {
      const row = variantOf(line, cells, currency, digits);
      if (accepted(line, cells, row.errors) && row.fields) variants.push({ line, productSku, productInFile: productSkus.has(productSku.toUpperCase()), fields: row.fields });
    }
  }
  return { rows: data.length, products, variants, errors };
}

/**
 * The catalogue as CSV (UTF-8 with a byte order mark, so spreadsheets read accents right): the
 * products in the order given (the export passes SKU order), each followed by its variants as given.
 */
export function writeCatalogueCsv(products: readonly ProductRecord[]): string {
  const row = (cells: Partial<Record<Column, string>>) => CSV_COLUMNS.map((column) => defuse(cells[column] ?? ""));
  const rows: string[][] = [];
  for (const product of products) {
    const digits = minorDigitsOf(product.currency);
    rows.push(
      row({
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
      }),
    );
    for (const variant of product.variants) {
      rows.push(
        row({
          sku: variant.sku,
          variant_of: product.sku,
          size: variant.size,
          colour: variant.colour,
          price: variant.priceMinor === null ? "" : formatMoney(variant.priceMinor, digits),
          currency: product.currency,
          stock: String(variant.stock),
          stock_min: String(variant.stockMin),
          active: variant.active ? "true" : "false",
        }),
      );
    }
  }
  return stringify([[...CSV_COLUMNS], ...rows], { bom: true, record_delimiter: "\n" });
}
