// The catalogue: products with their price in the shop's currency and their stock, filtered and
// sorted (or searched the way the bot searches for shoppers), a page at a time; managers add
// products, import a CSV file; everyone downloads the catalogue as CSV.
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { formatMoney } from "../analytics/format";
import { downloadCatalogue, useProducts, useShopperSearch, type ListFilters, type Product } from "./catalogue.queries";

type Mode = "list" | "shopper";

function ProductTable({ products }: { products: readonly Product[] }) {
  const { t, i18n } = useTranslation();
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{t("catalogue.title")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("catalogue.name")}</th>
            <th scope="col">{t("catalogue.sku")}</th>
            <th scope="col">{t("catalogue.price")}</th>
            <th scope="col">{t("catalogue.stock")}</th>
            <th scope="col">{t("catalogue.status")}</th>
          </tr>
        </thead>
        <tbody>
          {products.map((product) => (
            <tr key={product.id}>
              <td>
                <Link to={`/catalogue/${product.id}`}>{product.name}</Link>
                {product.variants.length > 0 && <span className="help"> · {t("catalogue.variantCount", { count: product.variants.length })}</span>}
              </td>
              <td>
                <code>{product.sku}</code>
              </td>
              <td>{formatMoney(product.priceMinor, product.currency, i18n.language)}</td>
              <td>
                {product.stock}
                {product.stock <= product.stockMin && <span className="badge state-misconfigured"> {t("catalogue.low")}</span>}
              </td>
              <td>{product.active ? t("catalogue.active") : t("catalogue.inactive")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function CataloguePage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const id = useId();
  const [mode, setMode] = useState<Mode>("list");
  const [typed, setTyped] = useState("");
  const [filters, setFilters] = useState<ListFilters>({ q: "", active: "", lowStock: false, sort: "name" });
  const [shopperQuery, setShopperQuery] = useState("");
  const products = useProducts(filters);
  const search = useShopperSearch(mode === "shopper" ? shopperQuery : "");
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mode === "list") setFilters((known) => ({ ...known, q: typed }));
    else setShopperQuery(typed);
  };
  const exportCsv = async () => {
    setExporting(true);
    setExportError(null);
    try {
      await downloadCatalogue();
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(false);
    }
  };
  const listed = products.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t("catalogue.title")}</h1>
        <div className="row">
          {can("products:write") && (
            <>
              <Link className="button" to="/catalogue/new">
                {t("catalogue.new")}
              </Link>
              <Link className="button secondary" to="/catalogue/import">
                {t("catalogue.import")}
              </Link>
            </>
          )}
          <button type="button" className="button secondary" disabled={exporting} onClick={() => void exportCsv()}>
            {exporting ? t("common.working") : t("catalogue.export")}
          </button>
        </div>
      </div>
      <ApiErrorMessage error={exportError} />
      <form className="filters" role="search" aria-label={t("catalogue.searchLabel")} onSubmit={submit}>
        <div className="field">
          <label htmlFor={`${id}-mode`}>{t("catalogue.mode")}</label>
          <select id={`${id}-mode`} value={mode} onChange={(event) => setMode(event.target.value === "shopper" ? "shopper" : "list")}>
            <option value="list">{t("catalogue.modes.list")}</option>
            <option value="shopper">{t("catalogue.modes.shopper")}</option>
          </select>
        </div>
        <div className="field grow">
          <label htmlFor={`${id}-q`}>{t("catalogue.search")}</label>
          <input id={`${id}-q`} type="search" maxLength={200} value={typed} onChange={(event) => setTyped(event.target.value)} />
        </div>
        {mode === "list" && (
          <>
            <div className="field">
              <label htmlFor={`${id}-active`}>{t("catalogue.status")}</label>
              <select id={`${id}-active`} value={filters.active} onChange={(event) => setFilters((known) => ({ ...known, active: event.target.value === "true" ? "true" : event.target.value === "false" ? "false" : "" }))}>
                <option value="">{t("catalogue.all")}</option>
                <option value="true">{t("catalogue.active")}</option>
                <option value="false">{t("catalogue.inactive")}</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${id}-sort`}>{t("catalogue.sort")}</label>
              <select
                id={`${id}-sort`}
                value={filters.sort}
                onChange={(event) => {
                  const sort = (["name", "-updatedAt", "price", "-price", "stock"] as const).find((known) => known === event.target.value);
                  if (sort) setFilters((known) => ({ ...known, sort }));
                }}
              >
                <option value="name">{t("catalogue.sorts.name")}</option>
                <option value="-updatedAt">{t("catalogue.sorts.updated")}</option>
                <option value="price">{t("catalogue.sorts.priceUp")}</option>
                <option value="-price">{t("catalogue.sorts.priceDown")}</option>
                <option value="stock">{t("catalogue.sorts.stock")}</option>
              </select>
            </div>
            <label className="check">
              <input type="checkbox" checked={filters.lowStock} onChange={(event) => setFilters((known) => ({ ...known, lowStock: event.target.checked }))} />
              {t("catalogue.lowStock")}
            </label>
          </>
        )}
        <button type="submit" className="button">
          {t("catalogue.searchButton")}
        </button>
      </form>
      {mode === "shopper" && <p className="help">{t("catalogue.shopperHelp")}</p>}

      {mode === "list" && (
        <>
          {products.isPending && <p role="status">{t("common.loading")}</p>}
          <ApiErrorMessage error={products.error} />
          {products.data && listed.length === 0 && <p className="notice">{filters.q || filters.active || filters.lowStock ? t("catalogue.noMatch") : t("catalogue.empty")}</p>}
          {listed.length > 0 && <ProductTable products={listed} />}
          {products.hasNextPage && (
            <button type="button" className="button secondary" disabled={products.isFetchingNextPage} onClick={() => void products.fetchNextPage()}>
              {products.isFetchingNextPage ? t("common.working") : t("catalogue.more")}
            </button>
          )}
        </>
      )}
      {mode === "shopper" && shopperQuery.trim() !== "" && (
        <>
          {search.isPending && <p role="status">{t("common.loading")}</p>}
          <ApiErrorMessage error={search.error} />
          {search.data && (
            <p className="help" role="status">
              {t("catalogue.understood", { text: search.data.understood.text || "—", order: t(`catalogue.orders.${search.data.understood.order}`) })}
            </p>
          )}
          {search.data && search.data.products.length === 0 && <p className="notice">{t("catalogue.noMatch")}</p>}
          {search.data && search.data.products.length > 0 && <ProductTable products={search.data.products} />}
        </>
      )}
    </section>
  );
}
