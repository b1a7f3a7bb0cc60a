// The shop's orders, newest first, filtered by status; sellers and managers may take a new one.
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { formatMoney } from "../analytics/format";
import { useLiveRefresh } from "./live-refresh";
import { ORDER_STATUSES, ordersKey, useOrders, type OrderStatus } from "./orders.queries";
import { StatusBadge } from "./status-badge";

function statusOf(value: string | null): OrderStatus | undefined {
  return ORDER_STATUSES.find((status) => status === value);
}

export default function OrdersPage() {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const status = statusOf(params.get("status"));
  const orders = useOrders(status);
  useLiveRefresh(["order."], [ordersKey]);
  const items = orders.data?.pages.flatMap((page) => page.items) ?? [];
  const dateFormat = new Intl.DateTimeFormat(i18n.language, { dateStyle: "short", timeStyle: "short" });

  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t("orders.title")}</h1>
        {can("orders:write") && (
          <Link className="button" to="/orders/new">
            {t("orders.new")}
          </Link>
        )}
      </div>
      <div className="field filters">
        <label htmlFor="order-status-filter">{t("orders.filterStatus")}</label>
        <select
          id="order-status-filter"
          value={status ?? ""}
          onChange={(event) => setParams(event.target.value ? { status: event.target.value } : {}, { replace: true })}
        >
          <option value="">{t("orders.allStatuses")}</option>
          {ORDER_STATUSES.map((known) => (
            <option key={known} value={known}>
              {t(`orders.status.${known}`)}
            </option>
          ))}
        </select>
      </div>
      {orders.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={orders.error} />
      {orders.data && items.length === 0 && <p className="notice">{status ? t("orders.emptyStatus") : t("orders.empty")}</p>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t("orders.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("orders.number")}</th>
                <th scope="col">{t("orders.customer")}</th>
                <th scope="col">{t("orders.statusLabel")}</th>
                <th scope="col" className="num">
                  {t("orders.total")}
                </th>
                <th scope="col" className="num">
                  {t("orders.balance")}
                </th>
                <th scope="col">{t("orders.created")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((order) => (
                <tr key={order.id}>
                  <td>
                    <Link to={`/orders/${order.id}`}>{t("orders.numbered", { number: order.number })}</Link>
                  </td>
                  <td>{order.customer.name || order.customer.phone || order.customer.whatsappId || "—"}</td>
                  <td>
                    <StatusBadge status={order.status} />
                  </td>
                  <td className="num">{formatMoney(order.totalMinor, order.currency, i18n.language)}</td>
                  <td className="num">{formatMoney(order.balanceMinor, order.currency, i18n.language)}</td>
                  <td>{dateFormat.format(new Date(order.createdAt))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {orders.hasNextPage && (
        <button type="button" className="button secondary more" disabled={orders.isFetchingNextPage} onClick={() => void orders.fetchNextPage()}>
          {orders.isFetchingNextPage ? t("common.loading") : t("orders.more")}
        </button>
      )}
    </section>
  );
}
