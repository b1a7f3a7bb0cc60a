// Open assignments (customer → seller), of one seller or of all; the seller themself or a manager
// may release one.
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { useAssignments, useOwnSeller, useReleaseAssignment } from "./sellers.queries";

export function AssignmentsList({ sellerId }: { sellerId: string | undefined }) {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const own = useOwnSeller();
  const assignments = useAssignments(sellerId);
  const release = useReleaseAssignment();
  const dateFormat = new Intl.DateTimeFormat(i18n.language, { dateStyle: "short", timeStyle: "short" });
  const mayRelease = (assignmentSeller: string) => can("sellers:write") || (can("sellers:self") && own?.id === assignmentSeller);
  const items = assignments.data?.items ?? [];
  return (
    <>
      {assignments.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={assignments.error} />
      <ApiErrorMessage error={release.error} />
      {assignments.data && items.length === 0 && <p className="help">{t("sellers.noAssignments")}</p>}
      {items.length > 0 && (
        <ul className="plain-list" data-testid="assignments">
          {items.map((assignment) => (
            <li key={assignment.id}>
              <Link to={`/customers/${assignment.customerId}`}>{assignment.customerName || assignment.customerContact}</Link> → {assignment.sellerName} ·{" "}
              {dateFormat.format(new Date(assignment.assignedAt))}
              {assignment.reason && <span className="help"> · {assignment.reason}</span>}{" "}
              {mayRelease(assignment.sellerId) && (
                <button type="button" className="button secondary" disabled={release.isPending} onClick={() => release.mutate(assignment.id)}>
                  {t("sellers.release", { name: assignment.customerName || assignment.customerContact })}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
