// The accounts domain: registering a shop, signing in, sessions with rotating
// refresh tokens, the caller's own account, and the password policy the users
// module applies too.
import type pg from "pg";
import { hashPassword } from "../../auth/password.js";
import type { Tokens } from "../../auth/tokens.js";
import type { Route } from "../../http/routes.js";
import type { LoginAttemptsRepository } from "../../repositories/login-attempts.repository.js";
import type { UsersRepository } from "../../repositories/users.repository.js";
import { createAccountsRepository, type AccountsRepository } from "./accounts.repository.js";
import { accountsRoutes } from "./accounts.routes.js";
import { createIssueSession } from "./issue-session.use-case.js";
import { createLogin } from "./login.use-case.js";
import { createMe } from "./me.use-case.js";
import { createPasswordPolicy, type CheckPassword } from "./password-policy.js";
import { createRefreshSession } from "./refresh-session.use-case.js";
import { createRefreshTokensRepository } from "./refresh-tokens.repository.js";
import { createRegister } from "./register.use-case.js";
import { createLogout, createRevokeAllForUser, type RevokeAllForUser } from "./revoke-sessions.use-case.js";

export interface AccountsModuleDeps {
  pool: pg.Pool;
  /** Runs after a shop signs up (its default flows); must not throw. */
  afterSignUp?(tenantId: string, language: "es" | "en"): Promise<void>;
  users: Pick<UsersRepository, "findLoginCandidates">;
  attempts: LoginAttemptsRepository;
  tokens: Pick<Tokens, "issueAccessToken">;
  refreshTtlSeconds: number;
  /** REFRESH_REUSE_GRACE_S and REFRESH_SESSION_MAX_AGE_S. */
  refreshReuseGraceSeconds: number;
  sessionMaxAgeSeconds: number;
  refreshTokenInBody: boolean;
  passwordMinLength: number;
}

export interface AccountsModule {
  routes: Route[];
  /** For the users module: the same policy for every new password. */
  checkPassword: CheckPassword;
  /** For the users module: ends every session of a user at once. */
  sessions: { revokeAllForUser: RevokeAllForUser };
  /** Tenants' settings (e.g. their rate limit). */
  accounts: AccountsRepository;
}

export function createAccountsModule(deps: AccountsModuleDeps): AccountsModule {
  const accounts = createAccountsRepository(deps.pool);
  const refreshTokens = createRefreshTokensRepository(deps.pool);
  const checkPassword = createPasswordPolicy({ minLength: deps.passwordMinLength });
  const sessionDeps = { refreshTokens, tokens: deps.tokens, refreshTtlSeconds: deps.refreshTtlSeconds };
  const issueSession = createIssueSession(sessionDeps);
  return {
    routes: accountsRoutes({
      login: createLogin({ users: deps.users, attempts: deps.attempts, issueSession }),
      register: createRegister({ accounts, issueSession, checkPassword, hashPassword, ...(deps.afterSignUp ? { afterSignUp: deps.afterSignUp } : {}) }),
      refresh: createRefreshSession(sessionDeps, { reuseGraceSeconds: deps.refreshReuseGraceSeconds, sessionMaxAgeSeconds: deps.sessionMaxAgeSeconds }),
      logout: createLogout({ refreshTokens }),
      me: createMe({ accounts }),
      refreshTokenInBody: deps.refreshTokenInBody,
    }),
    checkPassword,
    sessions: { revokeAllForUser: createRevokeAllForUser({ refreshTokens }) },
    accounts,
  };
}
