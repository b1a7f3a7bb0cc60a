// Configuration of the standalone sandbox server, read from the environment and validated at
// start. The Meta fake always runs; the 360dialog, Twilio and Evolution fakes run each on a port
// of its own when any of its variables is set, and then need all of their required ones. Secrets
// have no defaults: a missing one stops the server with a line naming it.
import { z } from "zod";

const flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const port = z.coerce.number().int().min(0).max(65_535);
const httpUrl = z.url({ protocol: /^https?$/ });

const metaSchema = z.object({
  SANDBOX_PORT: port.default(4010)
    .describe("TCP port of the Meta fake (0 picks a free one)."),
  SANDBOX_HOST: z.string().min(1).default("127.0.0.1")
    .describe("Interface every fake binds; 0.0.0.0 inside containers."),
  META_SANDBOX_ACCESS_TOKEN: z.string().min(1)
    .describe("Bearer token the fake Graph API accepts for every hosted number."),
  META_SANDBOX_APP_SECRET: z.string().min(1)
    .describe("App secret used to sign webhooks (X-Hub-Signature-256); must match the app's."),
  META_SANDBOX_PHONE_NUMBER_IDS: z.string()
    .transform((v) => v.split(",").map((id) => id.trim()).filter((id) => id !== ""))
    .pipe(z.array(z.string().regex(/^\d+$/, { message: "phone number ids are digits" })).min(1, { message: "at least one id" }))
    .describe("Comma-separated phone_number_ids the sandbox hosts."),
  META_SANDBOX_CALLBACK_URL: httpUrl.optional()
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

const d360Schema = z.object({
  D360_SANDBOX_PORT: port
    .describe("TCP port of the 360dialog fake (0 picks a free one)."),
  D360_SANDBOX_API_KEY: z.string().min(1)
    .describe("D360-API-KEY the fake accepts; it belongs to D360_SANDBOX_PHONE_NUMBER_ID."),
  D360_SANDBOX_PHONE_NUMBER_ID: z.string().regex(/^\d+$/, { message: "must be digits" })
    .describe("phone_number_id of the number the API key speaks for. Webhooks go where the app configures them (POST /v1/configs/webhook)."),
});

const twilioSchema = z.object({
  TWILIO_SANDBOX_PORT: port
    .describe("TCP port of the Twilio fake (0 picks a free one)."),
  TWILIO_SANDBOX_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, { message: "must be AC followed by 32 hex digits" })
    .describe("Account SID the fake hosts (AC + 32 hex digits)."),
  TWILIO_SANDBOX_AUTH_TOKEN: z.string().min(1)
    .describe("Auth token of that account: checks Basic auth and signs webhooks (X-Twilio-Signature)."),
  TWILIO_SANDBOX_NUMBER: z.string().regex(/^\+[1-9]\d{6,14}$/, { message: "must be an E.164 number like +15550001111" })
    .describe("The account's WhatsApp sender number (E.164)."),
  TWILIO_SANDBOX_CALLBACK_URL: httpUrl.optional()
    .describe("The app's inbound webhook URL, exactly as the app verifies signatures against it: target of customer messages."),
  TWILIO_SANDBOX_PUBLIC_URL: httpUrl
    .describe("The fake's own URL as the app reaches it (e.g. http://127.0.0.1:4012): inbound MediaUrls point at it."),
});

const evolutionSchema = z.object({
  EVOLUTION_SANDBOX_PORT: port
    .describe("TCP port of the Evolution API fake (0 picks a free one)."),
  EVOLUTION_SANDBOX_API_KEY: z.string().min(1)
    .describe("Global API key (AUTHENTICATION_API_KEY) the fake accepts on every endpoint."),
});

export interface D360FakeConfig {
  port: number;
  apiKey: string;
  phoneNumberId: string;
}

export interface TwilioFakeConfig {
  port: number;
  accountSid: string;
  authToken: string;
  number: string;
  callbackUrl?: string;
  publicUrl: string;
}

export interface EvolutionFakeConfig {
  port: number;
  apiKey: string;
}

export interface SandboxConfig {
  port: number;
  host: string;
  accessToken: string;
  appSecret: string;
  phoneNumberIds: string[];
  callbackUrl?: string;
  ratePerSecond: number;
  statusCallbacks: boolean;
  /** Present when the 360dialog fake runs. */
  d360?: D360FakeConfig;
  /** Present when the Twilio fake runs. */
  twilio?: TwilioFakeConfig;
  /** Present when the Evolution API fake runs. */
  evolution?: EvolutionFakeConfig;
}

export type ConfigResult = { ok: true; config: SandboxConfig } | { ok: false; problems: string[] };

type Env = Readonly<Record<string, string>>;

/**
 * Parses one group of variables, adding a line per bad variable to `problems`. `optionalFake`
 * names a fake that runs only when one of its variables is set: unset, the group is skipped.
 */
function parseGroup<T>(schema: z.ZodType<T> & { shape: Record<string, unknown> }, present: Env, problems: Map<string, string>, optionalFake?: string): T | undefined {
  const names = Object.keys(schema.shape);
  if (optionalFake !== undefined && !names.some((name) => present[name] !== undefined)) return undefined;
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const name = String(issue.path[0] ?? "config");
    const missing = issue.code === "invalid_type" && present[name] === undefined;
    const required = optionalFake === undefined ? "is required" : `is required to run the ${optionalFake} fake (another of its variables is set)`;
    if (!problems.has(name)) problems.set(name, `${name}: ${missing ? required : issue.message}`);
  }
  return undefined;
}

export function parseConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  // An empty variable (FOO= in a compose file) means "not set", not "set to nothing".
  const present = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ""),
  );
  const problems = new Map<string, string>();
  const meta = parseGroup(metaSchema, present, problems);
  const d360 = parseGroup(d360Schema, present, problems, "360dialog");
  const twilio = parseGroup(twilioSchema, present, problems, "Twilio");
  const evolution = parseGroup(evolutionSchema, present, problems, "Evolution API");

  // One server per fake: two fakes on one fixed port would fail at start, less clearly.
  const ports: Array<[string, number | undefined]> = [
    ["SANDBOX_PORT", meta?.SANDBOX_PORT],
    ["D360_SANDBOX_PORT", d360?.D360_SANDBOX_PORT],
    ["TWILIO_SANDBOX_PORT", twilio?.TWILIO_SANDBOX_PORT],
    ["EVOLUTION_SANDBOX_PORT", evolution?.EVOLUTION_SANDBOX_PORT],
  ];
  ports.forEach(([name, value], index) => {
    const clash = ports.slice(0, index).find(([, other]) => value !== undefined && value !== 0 && other === value);
    if (clash !== undefined && !problems.has(name)) problems.set(name, `${name}: must differ from ${clash[0]} (${value})`);
  });

  if (meta === undefined || problems.size > 0) return { ok: false, problems: [...problems.values()] };
  return {
    ok: true,
    config: {
      port: meta.SANDBOX_PORT,
      host: meta.SANDBOX_HOST,
      accessToken: meta.META_SANDBOX_ACCESS_TOKEN,
      appSecret: meta.META_SANDBOX_APP_SECRET,
      phoneNumberIds: meta.META_SANDBOX_PHONE_NUMBER_IDS,
      callbackUrl: meta.META_SANDBOX_CALLBACK_URL,
      ratePerSecond: meta.META_SANDBOX_RATE_PER_SECOND,
      statusCallbacks: meta.META_SANDBOX_STATUS_CALLBACKS,
      d360: d360 && { port: d360.D360_SANDBOX_PORT, apiKey: d360.D360_SANDBOX_API_KEY, phoneNumberId: d360.D360_SANDBOX_PHONE_NUMBER_ID },
      twilio: twilio && {
        port: twilio.TWILIO_SANDBOX_PORT,
        accountSid: twilio.TWILIO_SANDBOX_ACCOUNT_SID,
        authToken: twilio.TWILIO_SANDBOX_AUTH_TOKEN,
        number: twilio.TWILIO_SANDBOX_NUMBER,
        callbackUrl: twilio.TWILIO_SANDBOX_CALLBACK_URL,
        publicUrl: twilio.TWILIO_SANDBOX_PUBLIC_URL,
      },
      evolution: evolution && { port: evolution.EVOLUTION_SANDBOX_PORT, apiKey: evolution.EVOLUTION_SANDBOX_API_KEY },
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
