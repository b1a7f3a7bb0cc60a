// Re-sealing after a key rotation: rewrites every value of a sealed column that is not sealed with
// the current key (or not bound to its row's context yet) so the previous key can be dropped. Row
// by row, in key order and in batches, each rewrite conditional on the value still being the one
// read: a value changed meanwhile (an operator set a new secret) is left as it now is. Values that
// open with no configured key are counted, never touched.
import type pg from "pg";
import type { SecretBox } from "./secret-box.js";

export interface SealedColumn<Row extends Record<string, unknown>> {
  /** Table in the service's schema (the pool's search_path). */
  table: string;
  /** Its primary key columns, in order (batches are read in that order). */
  keys: readonly (keyof Row & string)[];
  /** The bytea column holding the sealed value. */
  column: string;
  /** The context the value is (to be) bound to. */
  context(row: Row): string | undefined;
  /** Other contexts a value may have been sealed with before (e.g. none, before contexts were bound). */
  legacyContexts?(row: Row): (string | undefined)[];
}

export interface ResealReport {
  table: string;
  resealed: number;
  alreadyCurrent: number;
  /** Rows no configured key opens (lost keys): left as they are. */
  unreadable: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export async function resealColumn<Row extends Record<string, unknown>>(pool: pg.Pool, box: SecretBox, spec: SealedColumn<Row>, { batchSize = 500 }: { batchSize?: number } = {}): Promise<ResealReport> {
  for (const name of [spec.table, spec.column, ...spec.keys]) if (!IDENTIFIER.test(name)) throw new Error(`not an identifier: ${name}`);
  const keys = spec.keys.join(", ");
  const report: ResealReport = { table: spec.table, resealed: 0, alreadyCurrent: 0, unreadable: 0 };
  let after: unknown[] | null = null;
  for (;;) {
    const placeholders = spec.keys.map((_, index) => `$${index + 1}`).join(", ");
    const result: pg.QueryResult<Row & { sealed: Buffer }> = await pool.query<Row & { sealed: Buffer }>(
      `SELECT ${keys}, ${spec.column} AS sealed FROM ${spec.table}
       WHERE ${spec.column} IS NOT NULL ${after ? `AND (${keys}) > (${placeholders})` : ""}
       ORDER BY ${keys} LIMIT ${Math.max(1, Math.floor(batchSize))}`,
      after ?? [],
    );
    const rows = result.rows;
    for (const row of rows) {
      const context = spec.context(row);
      if (box.isCurrent(row.sealed) && opens(box, row.sealed, context)) {
        report.alreadyCurrent += 1;
        continue;
      }
      const secrets = [context, ...(spec.legacyContexts?.(row) ?? [])].map((candidate) => openOrNull(box, row.sealed, candidate)).find((opened) => opened !== null);
      if (!secrets) {
        report.unreadable += 1;
        continue;
      }
      const where = spec.keys.map((key, index) => `${key} = $${index + 3}`).join(" AND ");
      const { rowCount } = await pool.query(`UPDATE ${spec.table} SET ${spec.column} = $1 WHERE ${spec.column} = $2 AND ${where}`, [box.seal(secrets, context), row.sealed, ...spec.keys.map((key) => row[key])]);
      if ((rowCount ?? 0) > 0) report.resealed += 1;
    }
    if (rows.length < batchSize) return report;
    const last: (Row & { sealed: Buffer }) | undefined = rows[rows.length - 1];
    after = last ? spec.keys.map((key) => last[key]) : null;
  }
}

function openOrNull(box: SecretBox, sealed: Buffer, context: string | undefined): Record<string, string> | null {
  try {
    return box.open(sealed, context);
  } catch {
    return null;
  }
}

function opens(box: SecretBox, sealed: Buffer, context: string | undefined): boolean {
  return openOrNull(box, sealed, context) !== null;
}
