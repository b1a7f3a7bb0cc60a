// Releases, across tenants, open assignments older than their tenant's assignmentTimeoutMinutes
// (settings; 120 when unset or not a whole number of minutes in range). One UPDATE … RETURNING
// per batch: with several gateway replicas running it, a row is released (and reported) by
// exactly one of them, and rows another replica is releasing are skipped, not waited for.
import type pg from "pg";
import { DEFAULT_ASSIGNMENT_TIMEOUT_MINUTES } from "../settings/shop-settings.js";

export interface TimedOutAssignment {
  id: string;
  tenantId: string;
  sellerId: string;
  customerId: string;
  customerContact: string | null;
  releaseReason: "timeout";
}

export function createAssignmentTimeoutsRepository(pool: pg.Pool) {
  return {
    async releaseTimedOut(now: Date, batch: number): Promise<TimedOutAssignment[]> {
      const { rows } = await pool.query<{ id: string; tenant_id: string; seller_id: string; customer_id: string; customer_contact: string | null }>(
        `WITH due AS (
           SELECT a.id FROM seller_assignments a JOIN tenants t ON t.id = a.tenant_id
           WHERE a.released_at IS NULL
             AND a.assigned_at <= $1::timestamptz - make_interval(mins => CASE
               WHEN jsonb_typeof(t.settings -> 'assignmentTimeoutMinutes') = 'number'
                AND (t.settings ->> 'assignmentTimeoutMinutes') ~ '^[0-9]{1,5}$'
                AND (t.settings ->> 'assignmentTimeoutMinutes')::int BETWEEN 1 AND 10080
               THEN (t.settings ->> 'assignmentTimeoutMinutes')::int ELSE $3::int END)
           ORDER BY a.assigned_at
           LIMIT $2
           FOR UPDATE OF a SKIP LOCKED
         )
         UPDATE seller_assignments a SET released_at = $1, release_reason = 'timeout'
         FROM due, customers c
         WHERE a.id = due.id AND c.id = a.customer_id AND a.released_at IS NULL
         RETURNING a.id, a.tenant_id, a.seller_id, a.customer_id, c.whatsapp_id AS customer_contact`,
        [now, batch, DEFAULT_ASSIGNMENT_TIMEOUT_MINUTES],
      );
      return rows.map((row) => ({ id: row.id, tenantId: row.tenant_id, sellerId: row.seller_id, customerId: row.customer_id, customerContact: row.customer_contact, releaseReason: "timeout" }));
    },
  };
}

export type AssignmentTimeoutsRepository = ReturnType<typeof createAssignmentTimeoutsRepository>;
