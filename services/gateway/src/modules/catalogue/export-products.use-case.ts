// The dashboard's CSV export: the whole catalogue in the import's columns, each product followed by
// its variants, so the file re-imports to the same catalogue.
import { authorize, type Caller } from "../../auth/permissions.js";
import { writeCatalogueCsv } from "./catalogue-csv.js";
import type { CatalogueRepository } from "./catalogue.repository.js";

export function createExportProducts({ catalogue }: { catalogue: CatalogueRepository }) {
  return async function exportProducts(caller: Caller): Promise<string> {
    authorize(caller, "products:read");
    const tenant = catalogue.forTenant(caller.tenantId);
    // Two reads, not one snapshot: a product added in between is left out with its variants, which is harmless.
    const all = await tenant.all();
    const variants = await tenant.allVariants();
    const products = all.map((product) => ({ ...product, variants: variants.get(product.id) ?? [] }));
    return writeCatalogueCsv(products);
  };
}

export type ExportProducts = ReturnType<typeof createExportProducts>;
