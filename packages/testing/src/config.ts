// Where the test helpers find Postgres and Redis (the machine's own servers by default).
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** Set by the global setup: the database every test file's database is copied from. */
export const TEMPLATE_DB_VAR = "FLEET_TEST_TEMPLATE_DB";

export function databaseUrl(name: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
