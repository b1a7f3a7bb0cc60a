// The tenant's users. The repository is built for one tenant and every query
// it runs is bound to that tenant: a use case can only get one from an actor,
// so no query can reach another tenant's users by forgetting a WHERE.
import type pg from "pg";
import { inTransaction } from "@fleet/service-kit";
import type { Role } from "../../auth/tokens.js";

export interface UserRecord {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  disabled_at: Date | null;
  created_at: Date;
}

const COLUMNS = "id, email, display_name, role, disabled_at, created_at";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toUser(row: UserRow): UserRecord {
  return { id: row.id, email: row.email, displayName: row.display_name, role: row.role, disabled: row.disabled_at !== null, createdAt: row.created_at.toISOString() };
}

export interface NewUser {
  email: string;
  displayName: string;
  role: Role;
  passwordHash: string;
}

export interface UserChanges {
  displayName?: string;
  role?: Role;
  disabled?: boolean;
}

/** Queries of one tenant's users; `transaction` runs several of them atomically. */
export interface TenantUsers {
  list(): Promise<UserRecord[]>;
  find(userId: string): Promise<UserRecord | null>;
  /** null when the email is already used in this tenant. */
  create(user: NewUser): Promise<UserRecord | null>;
  update(userId: string, changes: UserChanges): Promise<UserRecord | null>;
  remove(userId: string): Promise<boolean>;
  /** Enabled owners, locked until the transaction ends (so two demotions cannot both pass the last-owner rule). */
  lockEnabledOwners(): Promise<string[]>;
}

function tenantUsers(db: pg.Pool | pg.PoolClient, tenantId: string): TenantUsers {
  return {
    async list() {
      const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
      return rows.map(toUser);
    },
    async find(userId) {
      if (!UUID.test(userId)) return null;
      const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2`, [tenantId, userId]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async create({ email, displayName, role, passwordHash }) {
      const { rows } = await db.query<UserRow>(
        `INSERT INTO users (tenant_id, email, display_name, role, password_hash) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, email) DO NOTHING RETURNING ${COLUMNS}`,
        [tenantId, email, displayName, role, passwordHash],
      );
      return rows[0] ? toUser(rows[0]) : null;
    },
    async update(userId, { displayName, role, disabled }) {
      if (!UUID.test(userId)) return null;
      const { rows } = await db.query<UserRow>(
        `UPDATE users SET
           display_name = COALESCE($3, display_name),
           role = COALESCE($4, role),
           disabled_at = CASE WHEN $5::boolean IS NULL THEN disabled_at WHEN $5 THEN COALESCE(disabled_at, now()) ELSE NULL END
         WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [tenantId, userId, displayName ?? null, role ?? null, disabled ?? null],
      );
      return rows[0] ? toUser(rows[0]) : null;
    },
    async remove(userId) {
      if (!UUID.test(userId)) return false;
      const { rowCount } = await db.query("DELETE FROM users WHERE tenant_id = $1 AND id = $2", [tenantId, userId]);
      return (rowCount ?? 0) > 0;
    },
    async lockEnabledOwners() {
      const { rows } = await db.query<{ id: string }>("SELECT id FROM users WHERE tenant_id = $1 AND role = 'owner' AND disabled_at IS NULL ORDER BY id FOR UPDATE", [tenantId]);
      return rows.map((row) => row.id);
    },
  };
}

export function createUsersDirectory(pool: pg.Pool) {
  return {
    /** The users of one tenant. */
    forTenant: (tenantId: string): TenantUsers => tenantUsers(pool, tenantId),
    /** Runs `work` on one tenant's users in a transaction (committed when it resolves). */
    transaction: <T>(tenantId: string, work: (users: TenantUsers) => Promise<T>): Promise<T> => inTransaction(pool, (client) => work(tenantUsers(client, tenantId))),
  };
}

export type UsersDirectory = ReturnType<typeof createUsersDirectory>;
