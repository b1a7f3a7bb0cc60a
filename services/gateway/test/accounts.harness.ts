// The accounts module's use cases on a fresh migrated Postgres database (with
// search_path=gateway, as the service has), built like the service builds
// them, plus helpers to seed tenants and users and to read the stored rows.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { createLogger, createPostgresPool } from "@fleet/service-kit";
import { createTestDatabase, type TestDatabase } from "@fleet/testing";
import { hashPassword } from "../src/auth/password.js";
import { createTokens, type Role, type Tokens } from "../src/auth/tokens.js";
import { createAccountsRepository, type AccountsRepository } from "../src/modules/accounts/accounts.repository.js";
import { createIssueSession, type IssueSession } from "../src/modules/accounts/issue-session.use-case.js";
import { createMe, type GetMe } from "../src/modules/accounts/me.use-case.js";
import { createPasswordPolicy } from "../src/modules/accounts/password-policy.js";
import { createRefreshSession, type RefreshSession } from "../src/modules/accounts/refresh-session.use-case.js";
import { createRefreshTokensRepository, type RefreshTokensRepository } from "../src/modules/accounts/refresh-tokens.repository.js";
import { createRegister, type Register } from "../src/modules/accounts/register.use-case.js";
import { createLogout, createRevokeAllForUser, type Logout, type RevokeAllForUser } from "../src/modules/accounts/revoke-sessions.use-case.js";
import { insertTenantUser } from "./seed-users.js";

export const REFRESH_TTL_S = 30 * 24 * 3600;
export const REUSE_GRACE_S = 10;
export const SESSION_MAX_AGE_S = 90 * 24 * 3600;

export interface SeededAccount {
  id: string;
  tenantId: string;
  email: string;
  password: string;
  role: Role;
}

export interface AccountsHarness {
  database: TestDatabase;
  pool: pg.Pool;
  jwtSecret: string;
  tokens: Tokens;
  accounts: AccountsRepository;
  refreshTokens: RefreshTokensRepository;
  register: Register;
  issueSession: IssueSession;
  refresh: RefreshSession;
  logout: Logout;
  revokeAllForUser: RevokeAllForUser;
  me: GetMe;
  /** Moves the clock refresh tokens are issued and checked with. */
  clock: { now: Date };
  seedUser(input: { tenant: string; email: string; role: Role; password?: string; displayName?: string }): Promise<SeededAccount>;
  close(): Promise<void>;
}

export async function startAccounts(): Promise<AccountsHarness> {
  const database = await createTestDatabase();
  const logger = createLogger({ service: "gateway", level: "error" });
  const pool = createPostgresPool({ url: database.url, schema: "gateway", logger });
  const jwtSecret = randomBytes(32).toString("hex");
  const tokens = createTokens({ secret: jwtSecret, ttlSeconds: 900 });
  const accounts = createAccountsRepository(pool);
  const refreshTokens = createRefreshTokensRepository(pool);
  const clock = { now: new Date() };
  const sessionDeps = { refreshTokens, tokens, refreshTtlSeconds: REFRESH_TTL_S, now: () => clock.now };

  return {
    database,
    pool,
    jwtSecret,
    tokens,
    accounts,
    refreshTokens,
    register: createRegister({ accounts, issueSession: createIssueSession(sessionDeps), checkPassword: createPasswordPolicy({ minLength: 10 }), hashPassword }),
    issueSession: createIssueSession(sessionDeps),
    refresh: createRefreshSession(sessionDeps, { reuseGraceSeconds: REUSE_GRACE_S, sessionMaxAgeSeconds: SESSION_MAX_AGE_S }),
    logout: createLogout({ refreshTokens }),
    revokeAllForUser: createRevokeAllForUser({ refreshTokens }),
    me: createMe({ accounts }),
    clock,
    async seedUser({ tenant, email, role, password = randomBytes(12).toString("base64url"), displayName = "" }) {
      const { id, tenantId } = await insertTenantUser(pool, { tenant, email, role, password, displayName });
      return { id, tenantId, email, password, role };
    },
    async close() {
      await pool.end();
      await database.drop();
    },
  };
}
