// The dashboard's CSV import of products and their variants: every row checked (the REST create's
// rules, SKUs unique in the file and held by no one else in the catalogue, each variant's product
// in the file or the catalogue), then either a report only (dry run) or every row upserted by SKU
// in one transaction — one bad row and nothing is written. The cache is dropped after the commit.
import type { Logger } from "@fleet/service-kit";
import { authorize, type Caller } from "../../auth/permissions.js";
import type { CatalogueCache } from "./catalogue.cache.js";
import { parseCatalogueCsv, type ImportProblem, type ParsedCsv } from "./catalogue-csv.js";
import type { CatalogueRepository, ProductFields, TenantCatalogue, VariantFields } from "./catalogue.repository.js";

export interface ImportReport {
  /** True when every row is valid (and, without a dry run, was written). */
  ok: boolean;
  /** Data rows in the file. */
  rows: number;
  /** Products and variants created (or, in a dry run or a refused import, that would be). */
  created: number;
  /** Products and variants updated (or that would be). */
  updated: number;
  /** Every problem, in file order. */
  errors: ImportProblem[];
}

interface Checked {
  report: ImportReport;
  products: ProductFields[];
  variants: { productSku: string; fields: VariantFields }[];
}

/** Adds what only the database knows: who holds each SKU, whether a variant's product exists, and which rows update. */
async function check(tenant: TenantCatalogue, parsed: ParsedCsv): Promise<Checked> {
  const owners = await tenant.skuOwners([
    ...parsed.products.map((product) => product.fields.sku),
    ...parsed.variants.map((variant) => variant.fields.sku),
    ...parsed.variants.filter((variant) => !variant.productInFile).map((variant) => variant.productSku),
  ]);
  const errors = [...parsed.errors];
  const products: ProductFields[] = [];
  let updated = 0;
  for (const { line, fields } of parsed.products) {
    const owner = owners.get(fields.sku.toUpperCase());
    if (owner?.variant) {
      errors.push({ line, column: "sku", code: "SKU_TAKEN", message: `SKU ${fields.sku} is already a variant of ${owner.productSku}; to update that variant, put ${owner.productSku} in its variant_of` });
      continue;
    }
    if (owner) updated++;
    // SKUs match case-insensitively: "an-oro-1" updates the product stored as "AN-ORO-1".
    products.push(owner ? { ...fields, sku: owner.sku } : fields);
  }

  const variants: Checked["variants"] = [];
  for (const { line, productSku, productInFile, fields } of parsed.variants) {
    const problems: ImportProblem[] = [];
    const parent = owners.get(productSku.toUpperCase());
    if (!productInFile && (!parent || parent.variant)) {
      const why = parent ? `${parent.sku} is a variant of ${parent.productSku}, and a variant's variant_of names a product` : `no product has SKU ${productSku}, in this file or in the catalogue`;
      problems.push({ line, column: "variant_of", code: "PARENT_NOT_FOUND", message: `The variant's product is missing: ${why}` });
    }
    const owner = owners.get(fields.sku.toUpperCase());
    if (owner && !owner.variant) problems.push({ line, column: "sku", code: "SKU_TAKEN", message: `SKU ${fields.sku} is product ${owner.sku}'s own SKU; a variant needs a SKU of its own` });
    else if (owner && owner.productSku.toUpperCase() !== productSku.toUpperCase())
      problems.push({ line, column: "sku", code: "SKU_TAKEN", message: `SKU ${fields.sku} is already a variant of ${owner.productSku}; a variant cannot move to another product` });
    errors.push(...problems);
    if (problems.length > 0) continue;
    if (owner) updated++;
    variants.push({ productSku, fields: owner ? { ...fields, sku: owner.sku } : fields });
  }
  errors.sort((a, b) => a.line - b.line);
  const created = products.length + variants.length - updated;
  return { report: { ok: errors.length === 0, rows: parsed.rows, created, updated, errors }, products, variants };
}

/** Imports writing at least this many rows refresh the planner's statistics before answering. */
const BULK_ROWS = 500;

export function createImportProducts({ catalogue, cache, logger }: { catalogue: CatalogueRepository; cache: CatalogueCache; logger: Logger }) {
  return async function importProducts(caller: Caller, csv: string, { dryRun }: { dryRun: boolean }): Promise<ImportReport> {
    authorize(caller, "products:write");
    const currency = await catalogue.forTenant(caller.tenantId).currency();
    const parsed = parseCatalogueCsv(csv, currency);
    if (dryRun) return (await check(catalogue.forTenant(caller.tenantId), parsed)).report;
    // Checked again inside the transaction, so the report and the write see the same catalogue.
    const report = await catalogue.transaction(caller.tenantId, async (tenant) => {
      const checked = await check(tenant, parsed);
      if (!checked.report.ok) return checked.report;
      // Products first: a variant may belong to a product this file creates.
      const products = await tenant.upsertMany(checked.products, currency);
      const variants = await tenant.upsertVariants(checked.variants);
      return { ...checked.report, created: products.created + variants.created, updated: products.updated + variants.updated };
    });
    if (report.ok) await cache.invalidate(caller.tenantId);
    // Before answering, so the shop's first searches after a large import are planned for it.
    // The import is committed either way: a failure here is only logged.
    if (report.ok && report.created + report.updated >= BULK_ROWS) {
      await catalogue.refreshStatistics().catch((error: unknown) => logger.warn("catalogue statistics refresh failed after an import", { tenantId: caller.tenantId, error }));
    }
    return report;
  };
}

export type ImportProducts = ReturnType<typeof createImportProducts>;
