// Users and their tenant membership (schema `gateway`, through a pool whose
// search_path is the gateway's schema). Disabled users are never returned.
import type pg from "pg";
import type { Role } from "../auth/tokens.js";

export interface LoginCandidate {
  id: string;
  tenantId: string;
  tenantSlug: string;
  email: string;
  role: Role;
  passwordHash: string;
}

export interface ActiveUser {
  id: string;
  tenantId: string;
  role: Role;
}

/** More accounts than this under one email is not a real case; the cap bounds the hashing work of a login. */
const MAX_CANDIDATES = 10;

export function createUsersRepository(pool: pg.Pool) {
  return {
    /** Active accounts with this (lower-case) email, in one tenant when `tenantSlug` is given. */
    async findLoginCandidates(email: string, tenantSlug?: string): Promise<LoginCandidate[]> {
      const { rows } = await pool.query<{ id: string; tenant_id: string; slug: string; email: string; role: Role; password_hash: string }>(
        `SELECT u.id, u.tenant_id, t.slug, u.email, u.role, u.password_hash
           FROM users u JOIN tenants t ON t.id = u.tenant_id
          WHERE u.email = $1 AND u.disabled_at IS NULL AND ($2::text IS NULL OR t.slug = $2)
          ORDER BY u.created_at, u.id
          LIMIT ${MAX_CANDIDATES}`,
        [email, tenantSlug ?? null],
      );
      return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, tenantSlug: r.slug, email: r.email, role: r.role, passwordHash: r.password_hash }));
    },

    /** The user if it exists in that tenant and is not disabled, with its current role. */
    async findActiveUser(tenantId: string, userId: string): Promise<ActiveUser | null> {
      const { rows } = await pool.query<{ id: string; tenant_id: string; role: Role }>(
        "SELECT id, tenant_id, role FROM users WHERE id = $1 AND tenant_id = $2 AND disabled_at IS NULL",
        [userId, tenantId],
      );
      const row = rows[0];
      return row ? { id: row.id, tenantId: row.tenant_id, role: row.role } : null;
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
