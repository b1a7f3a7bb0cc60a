// jest globalTeardown: drops the template database and any test database left behind by a crashed file.
import pg from "pg";
import { TEST_DATABASE_URL, templateDatabase } from "./config.js";

export default async function globalTeardown(): Promise<void> {
  const template = templateDatabase();
  if (!template) return;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2", [template, `${template}\\_f\\_%`]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
