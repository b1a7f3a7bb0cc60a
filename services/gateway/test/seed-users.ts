// Test data: a tenant (created when new) and a user in it, stored as the
// gateway stores them (scrypt hash), without going through the API.
import type pg from "pg";
import { hashPassword } from "../src/auth/password.js";
import type { Role } from "../src/auth/tokens.js";

export interface StoredUser {
  id: string;
  tenantId: string;
}

export async function insertTenantUser(pool: pg.Pool, { tenant, email, role, password, displayName = "" }: { tenant: string; email: string; role: Role; password: string; displayName?: string }): Promise<StoredUser> {
  const { rows: tenants } = await pool.query<{ id: string }>(
    "INSERT INTO tenants (slug, name) VALUES ($1, $1) ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id",
    [tenant],
  );
  const tenantId = tenants[0]?.id;
  if (!tenantId) throw new Error("tenant insert returned no id");
  const { rows: users } = await pool.query<{ id: string }>(
    "INSERT INTO users (tenant_id, email, display_name, password_hash, role) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    [tenantId, email, displayName, await hashPassword(password), role],
  );
  const id = users[0]?.id;
  if (!id) throw new Error("user insert returned no id");
  return { id, tenantId };
}
