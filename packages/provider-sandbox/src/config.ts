// Configuration of the standalone sandbox server, read from the environment and validated at
// start. Secrets have no defaults: a missing one stops the server with a line naming it.
import { z } from "zod";

const flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const schema = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65_535).default(4010)
    .describe("TCP port of the sandbox (0 picks a free one)."),
  SANDBOX_HOST: z.string().min(1).default("127.0.0.1")
    .describe("Interface to bind; 0.0.0.0 inside containers."),
  META_SANDBOX_ACCESS_TOKEN: z.string().min(1)
    .describe("Bearer token the fake Graph API accepts for every hosted number."),
  META_SANDBOX_APP_SECRET: z.string().min(1)
    .describe("App secret used to sign webhooks (X-Hub-Signature-256); must match the app's."),
  META_SANDBOX_PHONE_NUMBER_IDS: z.string()
    .transform((v) => v.split(",").map((id) => id.trim()).filter((id) => id !== ""))
    .pipe(z.array(z.string().regex(/^\d+$/, { message: "phone number ids are digits" })).min(1, { message: "at least one id" }))
    .describe("Comma-separated phone_number_ids the sandbox hosts."),
  META_SANDBOX_CALLBACK_URL: z.url({ protocol: /^https?$/ }).optional()
    .describe("The app's webhook URL: target of customer messages and status callbacks."),
  META_SANDBOX_RATE_PER_SECOND: z.coerce.number().int().positive().default(80)
    .describe("Sends per second per number before answering 130429."),
  META_SANDBOX_STATUS_CALLBACKS: flag.default(false)
    .describe("Post sent/delivered status webhooks after each accepted send (true|false)."),
}).superRefine((env, ctx) => {
  if (env.META_SANDBOX_STATUS_CALLBACKS && env.META_SANDBOX_CALLBACK_URL === undefined) {
    ctx.addIssue({ code: "custom", path: ["META_SANDBOX_CALLBACK_URL"], message: "required when META_SANDBOX_STATUS_CALLBACKS is true" });
  }
});

export interface SandboxConfig {
  port: number;
  host: string;
  accessToken: string;
  appSecret: string;
  phoneNumberIds: string[];
  callbackUrl?: string;
  ratePerSecond: number;
  statusCallbacks: boolean;
}

export type ConfigResult = { ok: true; config: SandboxConfig } | { ok: false; problems: string[] };

export function parseConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  // An empty variable (FOO= in a compose file) means "not set", not "set to nothing".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = new Map<string, string>();
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? "config");
      const missing = issue.code === "invalid_type" && present[name] === undefined;
      if (!problems.has(name)) problems.set(name, `${name}: ${missing ? "is required" : issue.message}`);
    }
    return { ok: false, problems: [...problems.values()] };
  }
  const e = result.data;
  return {
    ok: true,
    config: {
      port: e.SANDBOX_PORT,
      host: e.SANDBOX_HOST,
      accessToken: e.META_SANDBOX_ACCESS_TOKEN,
      appSecret: e.META_SANDBOX_APP_SECRET,
      phoneNumberIds: e.META_SANDBOX_PHONE_NUMBER_IDS,
      callbackUrl: e.META_SANDBOX_CALLBACK_URL,
      ratePerSecond: e.META_SANDBOX_RATE_PER_SECOND,
      statusCallbacks: e.META_SANDBOX_STATUS_CALLBACKS,
    },
  };
}

/** Reads process.env; on a bad or missing variable prints one line per variable and exits 1. */
export function loadConfig(): SandboxConfig {
  const result = parseConfig(process.env);
  if (result.ok) return result.config;
  for (const problem of result.problems) process.stderr.write(`invalid configuration: ${problem}\n`);
  process.exit(1);
}
