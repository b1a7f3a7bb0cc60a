// Where the test helpers find Postgres and Redis (the machine's own servers by default), and what
// every service process they start shares.
import { randomBytes } from "node:crypto";
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** Set by the global setup: the database every test file's database is copied from. */
export const TEMPLATE_DB_VAR = "FLEET_TEST_TEMPLATE_DB";

export function databaseUrl(name: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The template database of this jest run, once the global setup made it. */
export function templateDatabase(): string | undefined {
  return process.env[TEMPLATE_DB_VAR];
}

/** Called by the global setup: jest workers inherit the environment. */
export function setTemplateDatabase(name: string): void {
  process.env[TEMPLATE_DB_VAR] = name;
}

/** FLEET_PROFILE_DIR=<dir>: service processes write V8 CPU profiles there (benchmarks). */
export const PROFILE_DIR = process.env.FLEET_PROFILE_DIR;

/**
 * The fleet key of the service processes this test process starts (one per jest worker, so every
 * service a test file starts trusts the others' gRPC calls); a test passes its own FLEET_KEY to
 * override it, or "" to start a service without one.
 */
export const TEST_FLEET_KEY = randomBytes(32).toString("hex");

/** Service processes get a clean environment: only PATH is passed through. */
export const INHERITED_PATH = process.env.PATH ?? "";
