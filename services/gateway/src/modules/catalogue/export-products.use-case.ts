// The dashboard's CSV export: the whole catalogue in the import's columns, so the file re-imports
// to the same catalogue.
import { authorize, type Caller } from "../../auth/permissions.js";
import { writeCatalogueCsv } from "./catalogue-csv.js";
import type { CatalogueRepository } from "./catalogue.repository.js";

export function createExportProducts({ catalogue }: { catalogue: CatalogueRepository }) {
  return async function exportProducts(caller: Caller): Promise<string> {
    authorize(caller, "products:read");
    return writeCatalogueCsv(await catalogue.forTenant(caller.tenantId).all());
  };
}

export type ExportProducts = ReturnType<typeof createExportProducts>;
