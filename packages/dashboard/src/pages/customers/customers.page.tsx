// The shop's customers, newest first, searched by name or phone (accents ignored by the API). An
// agent sees their own customers (those their seller attends now) first, and may widen to all;
// their own are marked as theirs in either list.
import { useDeferredValue, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { useLiveRefresh } from "../orders/live-refresh";
import { useOwnSeller } from "../sellers/sellers.queries";
import { customersKey, useCustomers } from "./customers.queries";

export default function CustomersPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const [q, setQ] = useState("");
  const search = useDeferredValue(q);
  const own = useOwnSeller();
  const [onlyMine, setOnlyMine] = useState(true);
  const mineOnly = own !== undefined && onlyMine;
  const customers = useCustomers(search, mineOnly ? own.id : undefined);
  // A new assignment changes who attends a customer.
  useLiveRefresh(["seller."], [customersKey]);
  const items = customers.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t("customers.title")}</h1>
        {can("customers:write") && (
          <Link className="button" to="/customers/new">
            {t("customers.new")}
          </Link>
        )}
      </div>
      <div className="form filters" role="search">
        <label>
          {t("customers.search")}
          <input type="search" name="q" maxLength={100} value={q} onChange={(event) => setQ(event.target.value)} />
        </label>
        {own !== undefined && (
          <label className="check">
            <input type="checkbox" name="mine" checked={onlyMine} onChange={(event) => setOnlyMine(event.target.checked)} />
            {t("customers.onlyMine")}
          </label>
        )}
      </div>
      {customers.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={customers.error} />
      {customers.data && items.length === 0 && <p className="notice">{search.trim() ? t("customers.noMatch") : t("customers.empty")}</p>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t("customers.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("customers.name")}</th>
                <th scope="col">{t("customers.phone")}</th>
                <th scope="col">{t("customers.tags")}</th>
                <th scope="col">{t("customers.seller")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((customer) => {
                const mine = own !== undefined && customer.seller?.id === own.id;
                return (
                  <tr key={customer.id} className={mine ? "mine" : undefined}>
                    <td>
                      <Link to={`/customers/${customer.id}`}>{customer.name || customer.whatsappId}</Link>
                      {mine && <span className="badge mine-badge"> {t("customers.yours")}</span>}
                    </td>
                    <td>{customer.phone ?? "—"}</td>
                    <td>{customer.tags.join(", ") || "—"}</td>
                    <td>{customer.seller?.name ?? "—"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {customers.hasNextPage && (
        <button type="button" className="button secondary more" disabled={customers.isFetchingNextPage} onClick={() => void customers.fetchNextPage()}>
          {customers.isFetchingNextPage ? t("common.loading") : t("customers.more")}
        </button>
      )}
    </section>
  );
}
