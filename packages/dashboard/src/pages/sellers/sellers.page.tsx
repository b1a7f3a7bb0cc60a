// The shop's sellers with their status, whether they are on duty now and their load; and the open
// assignments of customers to sellers (an agent sees their own only). Managers add sellers.
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { AssignmentsList } from "./assignments-list";
import { useLiveRefresh } from "../orders/live-refresh";
import { sellersKey, useOwnSeller, useSellers } from "./sellers.queries";

export default function SellersPage() {
  const { t } = useTranslation();
  const { can, me } = useAuth();
  const sellers = useSellers();
  useLiveRefresh(["seller."], [sellersKey]);
  const own = useOwnSeller();
  const manager = can("sellers:write");
  // An agent sees their own customers only; one without a seller has none.
  const assignmentsOf = manager || me?.role === "viewer" ? undefined : own?.id;

  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t("sellers.title")}</h1>
        {manager && (
          <Link className="button" to="/sellers/new">
            {t("sellers.new")}
          </Link>
        )}
      </div>
      {sellers.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={sellers.error} />
      {sellers.data && sellers.data.items.length === 0 && <p className="notice">{t("sellers.empty")}</p>}
      {sellers.data && sellers.data.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t("sellers.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("sellers.name")}</th>
                <th scope="col">{t("sellers.status")}</th>
                <th scope="col">{t("sellers.onDuty")}</th>
                <th scope="col" className="num">
                  {t("sellers.load")}
                </th>
                <th scope="col">{t("sellers.specialty")}</th>
              </tr>
            </thead>
            <tbody>
              {sellers.data.items.map((seller) => (
                <tr key={seller.id} className={seller.id === own?.id ? "mine" : undefined}>
                  <td>
                    <Link to={`/sellers/${seller.id}`}>{seller.name}</Link>
                    {seller.supervisor && <span className="badge tag">{t("sellers.supervisor")}</span>}
                    {!seller.active && <span className="badge tag">{t("sellers.inactive")}</span>}
                    {seller.id === own?.id && <span className="badge mine-badge">{t("sellers.you")}</span>}
                  </td>
                  <td>
                    <span className={`badge seller-${seller.status}`}>{t(`sellers.statuses.${seller.status}`)}</span>
                  </td>
                  <td>{seller.onDuty ? t("sellers.yes") : t("sellers.no")}</td>
                  <td className="num">
                    {seller.currentLoad} / {seller.maxConcurrentCustomers}
                  </td>
                  <td>{seller.specialty || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>{assignmentsOf ? t("sellers.yourAssignments") : t("sellers.openAssignments")}</h2>
      {!manager && me?.role === "agent" && !own && sellers.data ? <p className="help">{t("sellers.notASeller")}</p> : <AssignmentsList sellerId={assignmentsOf} />}
    </section>
  );
}
