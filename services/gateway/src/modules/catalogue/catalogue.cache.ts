// The catalogue's reads (product lists, single products, shopper searches) cached per tenant in the
// cache Redis, dropped by every write to the tenant's catalogue (cache/tenant-reads.cache.ts).
import type { Logger, RedisClient } from "@fleet/service-kit";
import { createTenantReadsCache, type TenantReadsCache } from "../../cache/tenant-reads.cache.js";

export type CatalogueCache = TenantReadsCache;

export const createCatalogueCache = ({ redis, logger }: { redis: RedisClient; logger: Logger }): CatalogueCache => createTenantReadsCache({ redis, logger, part: "catalogue" });
