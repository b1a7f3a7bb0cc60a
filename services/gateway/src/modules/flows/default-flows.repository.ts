// Which shops still wait for their default flow set (tenants.default_flows_installed_at).
import type pg from "pg";

export interface PendingShop {
  tenantId: string;
  language: "es" | "en";
}

export function createDefaultFlowsRepository(pool: pg.Pool) {
  return {
    /** Shops whose default flows are not installed yet, oldest first. */
    async pending(limit: number): Promise<PendingShop[]> {
      const { rows } = await pool.query<{ id: string; language: string | null }>(
        "SELECT id, settings->>'language' AS language FROM tenants WHERE default_flows_installed_at IS NULL ORDER BY created_at LIMIT $1",
        [limit],
      );
      return rows.map((row) => ({ tenantId: row.id, language: row.language === "en" ? "en" : "es" }));
    },
    /** The shop's language setting ("es" when unset). */
    async languageOf(tenantId: string): Promise<"es" | "en"> {
      const { rows } = await pool.query<{ language: string | null }>("SELECT settings->>'language' AS language FROM tenants WHERE id = $1", [tenantId]);
      return rows[0]?.language === "en" ? "en" : "es";
    },
    async markInstalled(tenantId: string): Promise<void> {
      await pool.query("UPDATE tenants SET default_flows_installed_at = now() WHERE id = $1 AND default_flows_installed_at IS NULL", [tenantId]);
    },
  };
}

export type DefaultFlowsRepository = ReturnType<typeof createDefaultFlowsRepository>;
