// The accounts domain: signing in (and, as it grows, registering, sessions and the caller's own account).
import type { Tokens } from "../../auth/tokens.js";
import type { Route } from "../../http/routes.js";
import type { LoginAttemptsRepository } from "../../repositories/login-attempts.repository.js";
import type { UsersRepository } from "../../repositories/users.repository.js";
import { createLogin } from "../../use-cases/login.use-case.js";
import { accountsRoutes } from "./accounts.routes.js";

export interface AccountsModuleDeps {
  users: Pick<UsersRepository, "findLoginCandidates">;
  attempts: LoginAttemptsRepository;
  tokens: Pick<Tokens, "issueAccessToken">;
}

export function createAccountsModule({ users, attempts, tokens }: AccountsModuleDeps): { routes: Route[] } {
  return { routes: accountsRoutes({ login: createLogin({ users, attempts, tokens }) }) };
}
