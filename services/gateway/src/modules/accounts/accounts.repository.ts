// Tenants and their users as the accounts module sees them: creating a tenant
// with its first owner, a user's own account, a tenant's settings.
import type pg from "pg";
import { RoleSchema, type Role } from "../../auth/tokens.js";

export interface TenantRecord {
  id: string;
  name: string;
  slug: string;
}

export interface AccountUser {
  id: string;
  tenantId: string;
  email: string;
  displayName: string;
  role: Role;
}

export interface NewTenantWithOwner {
  tenantName: string;
  tenantSlug: string;
  email: string;
  displayName: string;
  passwordHash: string;
  /** The shop's language (default "es"). */
  language?: "es" | "en";
}

export interface Account {
  user: AccountUser;
  tenant: TenantRecord;
}


const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface UserRow {
  id: string;
  tenant_id: string;
  email: string;
  display_name: string;
  role: string;
}

const toUser = (row: UserRow): AccountUser => ({
  id: row.id,
  tenantId: row.tenant_id,
  email: row.email,
  displayName: row.display_name,
  role: RoleSchema.parse(row.role),
});

export function createAccountsRepository(pool: pg.Pool) {
  return {
    /** Creates the tenant and its owner atomically; null when the slug is taken (nothing is created then). */
    async createTenantWithOwner(input: NewTenantWithOwner): Promise<Account | null> {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const { rows: tenants } = await client.query<TenantRecord>(
          "INSERT INTO tenants (slug, name, settings) VALUES ($1, $2, $3::jsonb) ON CONFLICT (slug) DO NOTHING RETURNING id, name, slug",
          [input.tenantSlug, input.tenantName, JSON.stringify({ language: input.language ?? "es" })],
        );
        const tenant = tenants[0];
        if (!tenant) {
          await client.query("ROLLBACK");
          return null;
        }
        const { rows: users } = await client.query<UserRow>(
          `INSERT INTO users (tenant_id, email, display_name, password_hash, role) VALUES ($1, $2, $3, $4, 'owner')
           RETURNING id, tenant_id, email, display_name, role`,
          [tenant.id, input.email, input.displayName, input.passwordHash],
        );
        const user = users[0];
        if (!user) throw new Error("owner insert returned no row");
        await client.query("COMMIT");
        return { user: toUser(user), tenant };
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    /** The enabled user with its tenant; null when it is gone or disabled. */
    async findAccount(tenantId: string, userId: string): Promise<Account | null> {
      if (!UUID.test(tenantId) || !UUID.test(userId)) return null;
      const { rows } = await pool.query<UserRow & { tenant_name: string; tenant_slug: string }>(
        `SELECT u.id, u.tenant_id, u.email, u.display_name, u.role, t.name AS tenant_name, t.slug AS tenant_slug
           FROM users u JOIN tenants t ON t.id = u.tenant_id
          WHERE u.tenant_id = $1 AND u.id = $2 AND u.disabled_at IS NULL`,
        [tenantId, userId],
      );
      const row = rows[0];
      return row ? { user: toUser(row), tenant: { id: row.tenant_id, name: row.tenant_name, slug: row.tenant_slug } } : null;
    },

  };
}

export type AccountsRepository = ReturnType<typeof createAccountsRepository>;
