// Configuration loading shared by every service: a zod schema per service,
// validated once at start, with an error that names every bad variable.
import { z } from "zod";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const WEAK_SECRETS = new Set(["secret", "changeme", "change-me", "password", "default", "dev", "development", "test", "example", "admin", "123456"]);

/**
 * A secret variable: required, at least `minLength` characters, and none of the
 * well-known placeholder values (a copied `.env.example` must not boot).
 */
export function secret(minLength = 32) {
  return z
    .string({ error: "is required (a secret has no default)" })
    .min(minLength, `must be at least ${minLength} characters`)
    .refine((v) => !WEAK_SECRETS.has(v.toLowerCase()) && !/^(change|replace|your)[-_]?/i.test(v) && new Set(v).size > 4, {
      message: "is a placeholder or default value; generate a real secret",
    });
}

/** Environment booleans: "true"/"1" and "false"/"0". */
export function envBoolean(defaultValue: boolean) {
  return z
    .enum(["true", "false", "1", "0"])
    .default(defaultValue ? "true" : "false")
    .transform((v) => v === "true" || v === "1");
}

export function port(defaultValue: number) {
  return z.coerce.number().int().min(0).max(65535).default(defaultValue);
}

/** Validates `env` against `schema` (keys are variable names) or throws a ConfigError listing every problem. */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    input[key] = value === "" ? undefined : value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"} ${issue.message}`);
  throw new ConfigError(problems);
}

/** For main.ts: returns the loaded configuration, or prints which variables are wrong and exits 1. */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
