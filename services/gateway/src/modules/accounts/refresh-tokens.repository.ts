// Refresh tokens in Postgres (table refresh_tokens, looked up by the SHA-256
// of the token). A rotation runs in one transaction that locks the presented
// token's row, so two refreshes with the same token are serialised and the
// second one sees the first one's `used_at`.
import type pg from "pg";
import { inTransaction } from "@fleet/service-kit";
import { RoleSchema, type Role } from "../../auth/tokens.js";

export interface StoredRefreshToken {
  id: string;
  familyId: string;
  tenantId: string;
  userId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
  /** When the session (the family) began. */
  familyStartedAt: Date;
}

export interface NewRefreshToken {
  hash: Buffer;
  familyId: string;
  tenantId: string;
  userId: string;
  expiresAt: Date;
  /** The family's start, carried along by every successor; absent for a new family (now). */
  familyStartedAt?: Date;
}

/** The user a session belongs to, as stored now. */
export interface SessionUser {
  id: string;
  tenantId: string;
  role: Role;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface TokenRow {
  id: string;
  family_id: string;
  tenant_id: string;
  user_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
  family_started_at: Date;
}

const toToken = (row: TokenRow): StoredRefreshToken => ({
  id: row.id,
  familyId: row.family_id,
  tenantId: row.tenant_id,
  userId: row.user_id,
  expiresAt: row.expires_at,
  usedAt: row.used_at,
  revokedAt: row.revoked_at,
  familyStartedAt: row.family_started_at,
});

/** The statements of one rotation, all on the transaction's connection. */
export interface RefreshTokensTransaction {
  /** The token with this hash, locked until the transaction ends; null when unknown. */
  lockByHash(hash: Buffer): Promise<StoredRefreshToken | null>;
  /**
   * The token's user if it is still enabled, with its current role. The row is
   * share-locked, so a concurrent disable waits for this rotation to commit and
   * its revocation then sees the token this rotation added.
   */
  findEnabledUser(tenantId: string, userId: string): Promise<SessionUser | null>;
  insert(token: NewRefreshToken): Promise<string>;
  markUsed(id: string, replacedBy: string, at: Date): Promise<void>;
  revokeFamily(familyId: string): Promise<void>;
}

async function insertToken(db: pg.Pool | pg.PoolClient, token: NewRefreshToken): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    "INSERT INTO refresh_tokens (token_hash, family_id, tenant_id, user_id, expires_at, family_started_at) VALUES ($1, $2, $3, $4, $5, COALESCE($6, now())) RETURNING id",
    [token.hash, token.familyId, token.tenantId, token.userId, token.expiresAt, token.familyStartedAt ?? null],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error("refresh token insert returned no id");
  return id;
}

function transactionOf(client: pg.PoolClient): RefreshTokensTransaction {
  return {
    async lockByHash(hash) {
      const { rows } = await client.query<TokenRow>(
        "SELECT id, family_id, tenant_id, user_id, expires_at, used_at, revoked_at, family_started_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
        [hash],
      );
      return rows[0] ? toToken(rows[0]) : null;
    },
    async findEnabledUser(tenantId, userId) {
      const { rows } = await client.query<{ id: string; tenant_id: string; role: string }>(
        "SELECT id, tenant_id, role FROM users WHERE tenant_id = $1 AND id = $2 AND disabled_at IS NULL FOR SHARE",
        [tenantId, userId],
      );
      const row = rows[0];
      return row ? { id: row.id, tenantId: row.tenant_id, role: RoleSchema.parse(row.role) } : null;
    },
    insert: (token) => insertToken(client, token),
    async markUsed(id, replacedBy, at) {
      await client.query("UPDATE refresh_tokens SET used_at = $3, replaced_by = $2 WHERE id = $1", [id, replacedBy, at]);
    },
    async revokeFamily(familyId) {
      await client.query("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL", [familyId]);
    },
  };
}

export function createRefreshTokensRepository(pool: pg.Pool) {
  return {
    /** Stores the first token of a new family (a login or a registration). */
    insert: (token: NewRefreshToken): Promise<string> => insertToken(pool, token),

    /**
     * Runs `work` in a transaction and commits what it did when it resolves,
     * rolls back when it throws. A rule that must both write (revoke a family)
     * and refuse the caller returns its refusal instead of throwing it.
     */
    transaction: <T>(work: (tx: RefreshTokensTransaction) => Promise<T>): Promise<T> => inTransaction(pool, (client) => work(transactionOf(client))),

    /** Revokes the family of the token with this hash, whatever state that token is in; false when no token has it. */
    async revokeFamilyOf(hash: Buffer): Promise<boolean> {
      const { rows } = await pool.query<{ family_id: string }>(
        `WITH presented AS (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)
         UPDATE refresh_tokens t SET revoked_at = COALESCE(t.revoked_at, now())
           FROM presented p WHERE t.family_id = p.family_id
         RETURNING t.family_id`,
        [hash],
      );
      return rows.length > 0;
    },

    /**
     * Deletes tokens that expired before `before`, at most `limit` of them; the number deleted.
     * Their families' live tokens are untouched (a successor's replaced_by link is simply cleared).
     */
    async purgeExpired(before: Date, limit: number): Promise<number> {
      const { rowCount } = await pool.query(
        "DELETE FROM refresh_tokens WHERE id IN (SELECT id FROM refresh_tokens WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)",
        [before, limit],
      );
      return rowCount ?? 0;
    },

    /** Revokes every live token of one user; the number revoked. */
    async revokeAllForUser(tenantId: string, userId: string): Promise<number> {
      if (!UUID.test(tenantId) || !UUID.test(userId)) return 0;
      const { rowCount } = await pool.query("UPDATE refresh_tokens SET revoked_at = now() WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL", [tenantId, userId]);
      return rowCount ?? 0;
    },
  };
}

export type RefreshTokensRepository = ReturnType<typeof createRefreshTokensRepository>;
