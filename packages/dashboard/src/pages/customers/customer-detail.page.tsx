// One customer: contact, price tier, tags, addresses and notes (editable by sellers and managers),
// the seller attending them now, and their orders with a shortcut to take a new one.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { formatMoney } from "../analytics/format";
import { useCustomerOrders } from "../orders/orders.queries";
import { StatusBadge } from "../orders/status-badge";
import { CustomerForm } from "./customer-form";
import { useCustomer, useUpdateCustomer, type Customer } from "./customers.queries";

function CustomerFacts({ customer }: { customer: Customer }) {
  const { t, i18n } = useTranslation();
  const dateFormat = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium" });
  return (
    <>
      <dl className="facts">
        <div>
          <dt>{t("customers.phone")}</dt>
          <dd>{customer.phone ?? "—"}</dd>
        </div>
        <div>
          <dt>{t("customers.whatsappId")}</dt>
          <dd>{customer.whatsappId ?? "—"}</dd>
        </div>
        <div>
          <dt>{t("customers.priceTier")}</dt>
          <dd>{customer.priceTier}</dd>
        </div>
        <div>
          <dt>{t("customers.tags")}</dt>
          <dd>{customer.tags.length > 0 ? customer.tags.map((tag) => <span key={tag} className="badge tag">{tag}</span>) : "—"}</dd>
        </div>
        <div>
          <dt>{t("customers.seller")}</dt>
          <dd>{customer.seller ? <Link to={`/sellers/${customer.seller.id}`}>{customer.seller.name}</Link> : "—"}</dd>
        </div>
        <div>
          <dt>{t("customers.lastContact")}</dt>
          <dd>{customer.lastContactAt ? dateFormat.format(new Date(customer.lastContactAt)) : "—"}</dd>
        </div>
      </dl>
      <h2>{t("customers.addresses")}</h2>
      {customer.addresses.length === 0 ? (
        <p className="help">{t("customers.noAddresses")}</p>
      ) : (
        <ul className="plain-list">
          {customer.addresses.map((address, index) => (
            <li key={index}>
              {address.label && <strong>{address.label}: </strong>}
              {[address.line1, address.line2, address.city, address.state, address.postalCode, address.country].filter(Boolean).join(", ")}
              {address.notes && <span className="help"> ({address.notes})</span>}
            </li>
          ))}
        </ul>
      )}
      <h2>{t("customers.notes")}</h2>
      <p className="pre-line">{customer.notes || "—"}</p>
    </>
  );
}

function CustomerOrders({ customerId }: { customerId: string }) {
  const { t, i18n } = useTranslation();
  const orders = useCustomerOrders(customerId);
  const dateFormat = new Intl.DateTimeFormat(i18n.language, { dateStyle: "short" });
  return (
    <>
      <ApiErrorMessage error={orders.error} />
      {orders.data && orders.data.items.length === 0 && <p className="help">{t("customers.noOrders")}</p>}
      {orders.data && orders.data.items.length > 0 && (
        <ul className="plain-list">
          {orders.data.items.map((order) => (
            <li key={order.id}>
              <Link to={`/orders/${order.id}`}>{t("orders.numbered", { number: order.number })}</Link> · {dateFormat.format(new Date(order.createdAt))} · <StatusBadge status={order.status} /> ·{" "}
              {formatMoney(order.totalMinor, order.currency, i18n.language)}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export default function CustomerDetailPage() {
  const { t } = useTranslation();
  const { customerId = "" } = useParams();
  const { can } = useAuth();
  const customer = useCustomer(customerId);
  const update = useUpdateCustomer(customerId);
  const [editing, setEditing] = useState(false);
  const data = customer.data;

  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to="/customers">← {t("customers.title")}</Link>
      </p>
      <div className="page-head">
        <h1 id="page-title">{data?.name || data?.whatsappId || t("customers.customer")}</h1>
        {data && can("customers:write") && !editing && (
          <button type="button" className="button secondary" onClick={() => setEditing(true)}>
            {t("customers.edit")}
          </button>
        )}
      </div>
      {customer.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={customer.error} />
      {data && editing && (
        <CustomerForm
          initial={data}
          submitLabel={t("customers.save")}
          pending={update.isPending}
          onSubmit={(draft) => update.mutate(draft, { onSuccess: () => setEditing(false) })}
        >
          <ApiErrorMessage error={update.error} />
          <button type="button" className="button secondary" onClick={() => setEditing(false)}>
            {t("customers.cancel")}
          </button>
        </CustomerForm>
      )}
      {data && !editing && <CustomerFacts customer={data} />}
      {data && (
        <>
          <div className="page-head">
            <h2>{t("customers.orders")}</h2>
            {can("orders:write") && (
              <Link className="button secondary" to={`/orders/new?customerId=${data.id}`}>
                {t("customers.newOrder")}
              </Link>
            )}
          </div>
          <CustomerOrders customerId={data.id} />
        </>
      )}
    </section>
  );
}
