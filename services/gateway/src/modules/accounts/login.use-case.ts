// Email + password login. Every failure looks the same (401 INVALID_CREDENTIALS,
// with a password hash computed even when the email is unknown) so the answer
// never tells which emails have accounts; failures are counted per identity
// and per IP, and a client over its limit is refused before any password check.
// The role in the token is the one stored for the user, nothing the client sent.
import { AppError } from "@fleet/service-kit";
import { verifyDummyPassword, verifyPassword } from "../../auth/password.js";
import type { Role } from "../../auth/tokens.js";
import type { IssueSession, Session } from "./issue-session.use-case.js";
import type { AttemptVerdict, LoginAttemptsRepository } from "../../repositories/login-attempts.repository.js";
import type { LoginCandidate, UsersRepository } from "../../repositories/users.repository.js";

export interface LoginInput {
  /** Already trimmed and lower-cased. */
  email: string;
  password: string;
  /** Tenant slug; required when the email has accounts in several tenants. */
  tenant?: string;
  /** Client IP, for the failure counters. */
  ip: string;
}

export interface LoginResult {
  session: Session;
  user: { id: string; email: string; role: Role; tenantId: string };
}

export interface LoginDeps {
  users: Pick<UsersRepository, "findLoginCandidates">;
  attempts: LoginAttemptsRepository;
  issueSession: IssueSession;
}

function tooManyAttempts(verdict: AttemptVerdict & { blocked: true }): AppError {
  return new AppError("rate_limited", "TOO_MANY_ATTEMPTS", "Too many failed login attempts; try again later", {
    details: { retryAfterS: verdict.retryAfterS },
  });
}

const invalidCredentials = () => new AppError("unauthenticated", "INVALID_CREDENTIALS", "Invalid email or password");

export function createLogin({ users, attempts, issueSession }: LoginDeps) {
  /** The accounts whose stored hash matches; hashes run side by side so the time barely depends on how many there are. */
  async function matching(candidates: LoginCandidate[], password: string): Promise<LoginCandidate[]> {
    if (candidates.length === 0) {
      await verifyDummyPassword(password);
      return [];
    }
    const results = await Promise.all(candidates.map((c) => verifyPassword(password, c.passwordHash)));
    return candidates.filter((_, index) => results[index]);
  }

  return async function login({ email, password, tenant, ip }: LoginInput): Promise<LoginResult> {
    const before = await attempts.check(email, ip);
    if (before.blocked) throw tooManyAttempts(before);

    const candidates = await users.findLoginCandidates(email, tenant);
    const matches = await matching(candidates, password);
    const [user] = matches;
    if (!user) {
      const after = await attempts.recordFailure(email, ip);
      throw after.blocked ? tooManyAttempts(after) : invalidCredentials();
    }
    if (candidates.length > 1) {
      // Only asked once the password is proven, and only the tenants it was proven for are named.
      throw new AppError("invalid_argument", "TENANT_REQUIRED", "This email has accounts in several tenants: pass `tenant`", {
        details: { tenants: matches.map((m) => m.tenantSlug).sort() },
      });
    }
    await attempts.recordSuccess(email, ip);
    const session = await issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    return { session, user: { id: user.id, email: user.email, role: user.role, tenantId: user.tenantId } };
  };
}

export type Login = ReturnType<typeof createLogin>;
