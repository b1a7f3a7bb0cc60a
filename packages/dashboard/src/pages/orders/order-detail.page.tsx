// One order: its customer, lines and totals (money from minor units in the order's currency), its
// status with the moves it allows, its payments and balance, and its history. Sellers and managers
// move it along and record payments; viewers read.
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { formatMoney } from "../analytics/format";
import { useLiveRefresh } from "./live-refresh";
import { toMajorText, toMinor } from "./money";
import { orderKey, useChangeStatus, useOrder, useRecordPayment, type OrderDetail, type OrderStatus } from "./orders.queries";
import { StatusBadge } from "./status-badge";

function StatusChange({ order }: { order: OrderDetail }) {
  const { t } = useTranslation();
  const id = useId();
  const change = useChangeStatus(order.id);
  const [note, setNote] = useState("");
  // The API lists the moves the order allows now (its one transition table).
  const allowed = order.allowedStatuses;

  if (allowed.length === 0) return <p className="help">{t("orders.final")}</p>;
  const move = (status: OrderStatus) =>
    change.mutate({ status, ...(note.trim() ? { note: note.trim() } : {}) }, { onSuccess: () => setNote("") });
  return (
    <div className="form">
      <label>
        {t("orders.statusNote")} {t("common.optional")}
        <input name="statusNote" maxLength={1000} value={note} onChange={(event) => setNote(event.target.value)} />
      </label>
      <div className="row" role="group" aria-labelledby={`${id}-moves`}>
        <span id={`${id}-moves`} className="visually-hidden">
          {t("orders.moveTo")}
        </span>
        {allowed.map((status) => (
          <button key={status} type="button" className={status === "cancelled" ? "button danger" : "button"} disabled={change.isPending} onClick={() => move(status)}>
            {t("orders.moveToStatus", { status: t(`orders.status.${status}`) })}
          </button>
        ))}
      </div>
      <ApiErrorMessage error={change.error} />
    </div>
  );
}

function PaymentForm({ order }: { order: OrderDetail }) {
  const { t } = useTranslation();
  const record = useRecordPayment(order.id);
  const [amount, setAmount] = useState(() => toMajorText(order.balanceMinor, order.currency));
  const [method, setMethod] = useState("cash");
  const [reference, setReference] = useState("");
  const [invalid, setInvalid] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const amountMinor = toMinor(amount, order.currency);
    setInvalid(amountMinor === null || amountMinor < 1);
    if (amountMinor === null || amountMinor < 1) return;
    record.mutate(
      { amountMinor, method, ...(reference.trim() ? { reference: reference.trim() } : {}) },
      {
        onSuccess: (next) => {
          setAmount(toMajorText(next.balanceMinor, next.currency));
          setReference("");
        },
      },
    );
  };
  return (
    <form className="form" onSubmit={submit} aria-labelledby="payment-form-title">
      <h3 id="payment-form-title">{t("orders.addPayment")}</h3>
      <label>
        {t("orders.amount", { currency: order.currency })}
        <input name="amount" inputMode="decimal" required aria-invalid={invalid} aria-describedby="amount-help" value={amount} onChange={(event) => setAmount(event.target.value)} />
      </label>
      <p id="amount-help" className={invalid ? "error-text" : "help"}>
        {t("orders.amountHelp")}
      </p>
      <div className="field">
        <label htmlFor="payment-method">{t("orders.method")}</label>
        <select id="payment-method" value={method} onChange={(event) => setMethod(event.target.value)}>
          {(["cash", "transfer", "card", "other"] as const).map((known) => (
            <option key={known} value={known}>
              {t(`orders.methods.${known}`)}
            </option>
          ))}
        </select>
      </div>
      <label>
        {t("orders.reference")} {t("common.optional")}
        <input name="reference" maxLength={200} value={reference} onChange={(event) => setReference(event.target.value)} />
      </label>
      <ApiErrorMessage error={record.error} />
      <button type="submit" className="button" disabled={record.isPending}>
        {record.isPending ? t("common.working") : t("orders.recordPayment")}
      </button>
    </form>
  );
}

export default function OrderDetailPage() {
  const { t, i18n } = useTranslation();
  const { orderId = "" } = useParams();
  const { can } = useAuth();
  const order = useOrder(orderId);
  useLiveRefresh(["order.status_changed"], [orderKey(orderId)]);
  const data = order.data;
  const money = (minor: number) => (data ? formatMoney(minor, data.currency, i18n.language) : "");
  const dateFormat = new Intl.DateTimeFormat(i18n.language, { dateStyle: "short", timeStyle: "short" });
  const editable = can("orders:write");

  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to="/orders">← {t("orders.title")}</Link>
      </p>
      <h1 id="page-title">{data ? t("orders.numbered", { number: data.number }) : t("orders.order")}</h1>
      {order.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={order.error} />
      {data && (
        <>
          <div className="cards">
            <article className="card" aria-labelledby="order-status-title">
              <h2 id="order-status-title">{t("orders.statusLabel")}</h2>
              <p aria-live="polite" data-testid="order-status">
                <StatusBadge status={data.status} />
              </p>
              {editable && <StatusChange order={data} />}
            </article>
            <article className="card" aria-labelledby="order-customer-title">
              <h2 id="order-customer-title">{t("orders.customer")}</h2>
              <p>
                <Link to={`/customers/${data.customer.id}`}>{data.customer.name || data.customer.phone || data.customer.whatsappId}</Link>
              </p>
              <dl className="facts">
                {data.customer.phone && (
                  <div>
                    <dt>{t("customers.phone")}</dt>
                    <dd>{data.customer.phone}</dd>
                  </div>
                )}
                <div>
                  <dt>{t("orders.delivery")}</dt>
                  <dd>{t(`orders.deliveryMethods.${data.deliveryMethod}`)}</dd>
                </div>
                {data.deliveryAddress && (
                  <div>
                    <dt>{t("orders.address")}</dt>
                    <dd>{data.deliveryAddress}</dd>
                  </div>
                )}
                {data.paymentMethod && (
                  <div>
                    <dt>{t("orders.paymentMethod")}</dt>
                    <dd>{data.paymentMethod}</dd>
                  </div>
                )}
                <div>
                  <dt>{t("orders.source")}</dt>
                  <dd>{t(`orders.sources.${data.source}`)}</dd>
                </div>
                <div>
                  <dt>{t("orders.created")}</dt>
                  <dd>{dateFormat.format(new Date(data.createdAt))}</dd>
                </div>
              </dl>
              {data.notes && <p className="help">{data.notes}</p>}
            </article>
          </div>

          <h2>{t("orders.lines")}</h2>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t("orders.lines")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("orders.product")}</th>
                  <th scope="col">SKU</th>
                  <th scope="col" className="num">
                    {t("orders.unitPrice")}
                  </th>
                  <th scope="col" className="num">
                    {t("orders.quantity")}
                  </th>
                  <th scope="col" className="num">
                    {t("orders.lineTotal")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.lines.map((line) => (
                  <tr key={`${line.productId}:${line.variantId ?? ""}`}>
                    <td>{line.name}</td>
                    <td>
                      <code>{line.sku}</code>
                    </td>
                    <td className="num">{money(line.unitPriceMinor)}</td>
                    <td className="num">{line.quantity}</td>
                    <td className="num">{money(line.lineTotalMinor)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <dl className="totals" data-testid="order-totals">
            <div>
              <dt>{t("orders.subtotal")}</dt>
              <dd>{money(data.subtotalMinor)}</dd>
            </div>
            {data.discountMinor > 0 && (
              <div>
                <dt>{t("orders.discount")}</dt>
                <dd>−{money(data.discountMinor)}</dd>
              </div>
            )}
            <div>
              <dt>{t("orders.tax", { rate: new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 2 }).format(data.taxRateBps / 100) })}</dt>
              <dd>{money(data.taxMinor)}</dd>
            </div>
            {data.deliveryMinor > 0 && (
              <div>
                <dt>{t("orders.deliveryCost")}</dt>
                <dd>{money(data.deliveryMinor)}</dd>
              </div>
            )}
            <div className="grand">
              <dt>{t("orders.total")}</dt>
              <dd>{money(data.totalMinor)}</dd>
            </div>
            <div>
              <dt>{t("orders.paid")}</dt>
              <dd>{money(data.paidMinor)}</dd>
            </div>
            <div className="grand">
              <dt>{t("orders.balance")}</dt>
              <dd data-testid="order-balance">{money(data.balanceMinor)}</dd>
            </div>
          </dl>

          <h2>{t("orders.payments")}</h2>
          {data.payments.length === 0 ? (
            <p className="help">{t("orders.noPayments")}</p>
          ) : (
            <ul className="plain-list">
              {data.payments.map((payment) => (
                <li key={payment.id}>
                  {dateFormat.format(new Date(payment.paidAt))} · <strong>{money(payment.amountMinor)}</strong> · {t(`orders.methods.${payment.method}`, { defaultValue: payment.method })}
                  {payment.reference && <> · {payment.reference}</>}
                </li>
              ))}
            </ul>
          )}
          {editable && data.status !== "cancelled" && data.balanceMinor > 0 && <PaymentForm key={data.balanceMinor} order={data} />}

          <h2>{t("orders.history")}</h2>
          <ol className="plain-list">
            {data.statusHistory.map((change) => (
              <li key={`${change.at}:${change.to}`}>
                {dateFormat.format(new Date(change.at))} · {change.from ? `${t(`orders.status.${change.from}`)} → ` : ""}
                {t(`orders.status.${change.to}`)} · {change.by === "bot" ? t("orders.byBot") : t("orders.byUser")}
                {change.note && <> · “{change.note}”</>}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
