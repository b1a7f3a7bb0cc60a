#!/usr/bin/env node
// Turns DATABASE_URL (read from the environment, never from the command line) into libpq's PG*
// variables, printed as NUL-terminated NAME=value pairs for backup.sh and restore.sh to export:
// pg_dump, pg_restore and psql then connect without the password appearing in any process's
// command line. Exits 2 with a message on a URL they could not use.
const PARAMS = {
  host: "PGHOST",
  port: "PGPORT",
  sslmode: "PGSSLMODE",
  sslrootcert: "PGSSLROOTCERT",
  sslcert: "PGSSLCERT",
  sslkey: "PGSSLKEY",
  connect_timeout: "PGCONNECT_TIMEOUT",
  application_name: "PGAPPNAME",
};

function fail(message) {
  process.stderr.write(`pg-env: ${message}\n`);
  process.exit(2);
}

const raw = process.env.DATABASE_URL;
if (!raw) fail("DATABASE_URL is not set");
let url;
try {
  url = new URL(raw);
} catch {
  fail("DATABASE_URL is not a URL (postgres://user:password@host:port/database)");
}
if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") fail("DATABASE_URL must start with postgres://");
const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
if (!database) fail("DATABASE_URL names no database");

const env = { PGDATABASE: database };
if (url.hostname) env.PGHOST = decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, "$1");
if (url.port) env.PGPORT = url.port;
if (url.username) env.PGUSER = decodeURIComponent(url.username);
if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
for (const [key, value] of url.searchParams) {
  const name = PARAMS[key];
  if (!name) fail(`DATABASE_URL parameter "${key}" is not supported here (${Object.keys(PARAMS).join(", ")})`);
  env[name] = value;
}
for (const [name, value] of Object.entries(env)) {
  if (value.includes("\0")) fail(`DATABASE_URL holds a NUL byte in ${name}`);
  process.stdout.write(`${name}=${value}\0`);
}
