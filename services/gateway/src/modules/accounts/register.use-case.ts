// Sign-up: a new shop (tenant) and its first user, created together or not at
// all. The first user is always the owner; no input can choose a role. The
// owner is signed in at once, as after a login, and the shop gets its default flows in its language.
import { z } from "zod";
import { AppError } from "@fleet/service-kit";
import { EmailSchema, TenantSlugSchema } from "../../http/schemas.js";
import type { Account, AccountsRepository } from "./accounts.repository.js";
import type { IssueSession, Session } from "./issue-session.use-case.js";
import type { CheckPassword } from "./password-policy.js";

/** The wire form of a registration (the route's body). Unknown fields, a `role` among them, are dropped. */
export const RegisterInputSchema = z
  .object({
    tenantName: z.string().trim().min(1).max(200).meta({ example: "Tienda Ana" }),
    tenantSlug: TenantSlugSchema.meta({ example: "tienda-ana" }),
    email: EmailSchema,
    // The policy answers length and strength with its own codes; this only bounds the work.
    password: z.string().min(1).max(1024),
    displayName: z.string().trim().max(200).default(""),
    /** The shop's language: its default flows and texts are in it (changeable later in the settings). */
    language: z.enum(["es", "en"]).default("es"),
  })
  .strip();

export type RegisterInput = z.infer<typeof RegisterInputSchema>;

export interface RegisterDeps {
  accounts: Pick<AccountsRepository, "createTenantWithOwner">;
  issueSession: IssueSession;
  checkPassword: CheckPassword;
  hashPassword(password: string): Promise<string>;
  /** The shop's default flows; never fails the sign-up. */
  afterSignUp?(tenantId: string, language: "es" | "en"): Promise<void>;
}

export function createRegister({ accounts, issueSession, checkPassword, hashPassword, afterSignUp }: RegisterDeps) {
  return async function register(input: RegisterInput): Promise<Account & { session: Session }> {
    await checkPassword(input.password, input.email, [input.displayName, input.tenantName, input.tenantSlug]);
    // Hashed before the transaction, which then holds its locks for milliseconds, not the ~0.1 s of scrypt.
    const passwordHash = await hashPassword(input.password);
    const created = await accounts.createTenantWithOwner({
      tenantName: input.tenantName,
      tenantSlug: input.tenantSlug,
      email: input.email,
      displayName: input.displayName,
      passwordHash,
      language: input.language,
    });
    if (!created) throw new AppError("conflict", "SLUG_TAKEN", "This shop address is already taken; choose another", { details: { tenantSlug: input.tenantSlug } });
    await afterSignUp?.(created.tenant.id, input.language);
    return { ...created, session: await issueSession(created.user) };
  };
}

export type Register = ReturnType<typeof createRegister>;
