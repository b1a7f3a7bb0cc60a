// The dashboard's CSV import: every row checked (the REST create's rules, SKUs unique in the file and
// not already a variant's), then either a report only (dry run) or all rows upserted by SKU in one
// transaction — one bad row and nothing is written. The cache is dropped after the commit.
import { authorize, type Caller } from "../../auth/permissions.js";
import type { CatalogueCache } from "./catalogue.cache.js";
import { parseCatalogueCsv, type ImportProblem, type ParsedCsv } from "./catalogue-csv.js";
import type { CatalogueRepository, ProductFields, TenantCatalogue } from "./catalogue.repository.js";

export interface ImportReport {
  /** True when every row is valid (and, without a dry run, was written). */
  ok: boolean;
  /** Data rows in the file. */
  rows: number;
  /** Products created (or, in a dry run or a refused import, that would be). */
  created: number;
  updated: number;
  /** Every problem, in file order. */
  errors: ImportProblem[];
}

interface Checked {
  report: ImportReport;
  products: ProductFields[];
}

/** Adds what only the database knows: SKUs held by variants, and which rows update a product. */
async function check(tenant: TenantCatalogue, parsed: ParsedCsv): Promise<Checked> {
  const owners = await tenant.skuOwners(parsed.products.map((product) => product.fields.sku));
  const errors = [...parsed.errors];
  const products: ProductFields[] = [];
  let updated = 0;
  for (const { line, fields } of parsed.products) {
    const owner = owners.get(fields.sku.toUpperCase());
    if (owner?.variant) {
      errors.push({ line, column: "sku", code: "SKU_TAKEN", message: `SKU ${fields.sku} is already used by a variant (${owner.sku}); variants are not imported` });
      continue;
    }
    if (owner) updated++;
    // SKUs match case-insensitively: "an-oro-1" updates the product stored as "AN-ORO-1".
    products.push(owner ? { ...fields, sku: owner.sku } : fields);
  }
  errors.sort((a, b) => a.line - b.line);
  return { report: { ok: errors.length === 0, rows: parsed.rows, created: products.length - updated, updated, errors }, products };
}

export function createImportProducts({ catalogue, cache }: { catalogue: CatalogueRepository; cache: CatalogueCache }) {
  return async function importProducts(caller: Caller, csv: string, { dryRun }: { dryRun: boolean }): Promise<ImportReport> {
    authorize(caller, "products:write");
    const currency = await catalogue.forTenant(caller.tenantId).currency();
    const parsed = parseCatalogueCsv(csv, currency);
    if (dryRun) return (await check(catalogue.forTenant(caller.tenantId), parsed)).report;
    // Checked again inside the transaction, so the report and the write see the same catalogue.
    const report = await catalogue.transaction(caller.tenantId, async (tenant) => {
      const checked = await check(tenant, parsed);
      if (!checked.report.ok) return checked.report;
      const counts = await tenant.upsertMany(checked.products, currency);
      return { ...checked.report, ...counts };
    });
    if (report.ok) await cache.invalidate(caller.tenantId);
    return report;
  };
}

export type ImportProducts = ReturnType<typeof createImportProducts>;
