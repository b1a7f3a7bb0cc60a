// A new order taken in the dashboard: the customer (searched by name or phone, or given by the
// customer page), products with quantities, delivery and payment method. The API reserves every
// line's stock or none: an OUT_OF_STOCK answer is shown at each short line with what is left.
// One idempotency key per form, so a retried submit never takes the order twice.
import { useMemo, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { ApiError, type Schemas } from "../../api/client";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { formatMoney } from "../analytics/format";
import { useCustomer, useCustomers } from "../customers/customers.queries";
import { toMinor } from "./money";
import { useCreateOrder, useProductSearch } from "./orders.queries";

type Product = Schemas["Product"];

interface Line {
  product: Product;
  variantId: string | null;
  quantity: string;
}

interface ShortLine {
  productId: string;
  variantId: string | null;
  sku: string;
  requested: number;
  available: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The lines an OUT_OF_STOCK answer names, with what was asked and what is left. */
function shortLinesOf(error: unknown): ShortLine[] {
  if (!(error instanceof ApiError) || error.code !== "OUT_OF_STOCK" || !isRecord(error.details) || !Array.isArray(error.details["lines"])) return [];
  return error.details["lines"].flatMap((line: unknown) =>
    isRecord(line) && typeof line["productId"] === "string" && typeof line["requested"] === "number" && typeof line["available"] === "number"
      ? [{ productId: line["productId"], variantId: typeof line["variantId"] === "string" ? line["variantId"] : null, sku: typeof line["sku"] === "string" ? line["sku"] : "", requested: line["requested"], available: line["available"] }]
      : [],
  );
}

/** 32 random hex digits (crypto.randomUUID exists only on https or localhost; this works on plain http too). */
function newIdempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function CustomerPicker({ chosen, onChoose }: { chosen: Schemas["Customer"] | undefined; onChoose(customerId: string | null): void }) {
  const { t } = useTranslation();
  const [q, setQ] = useState("");
  const customers = useCustomers(q);
  const found = customers.data?.pages.flatMap((page) => page.items) ?? [];
  if (chosen) {
    return (
      <fieldset className="provider">
        <legend>{t("orders.customer")}</legend>
        <p data-testid="chosen-customer">
          <strong>{chosen.name}</strong> {chosen.phone && <span className="help">{chosen.phone}</span>}
        </p>
        <button type="button" className="button secondary" onClick={() => onChoose(null)}>
          {t("orders.changeCustomer")}
        </button>
      </fieldset>
    );
  }
  return (
    <fieldset className="provider">
      <legend>{t("orders.customer")}</legend>
      <label>
        {t("orders.findCustomer")}
        <input type="search" name="customerSearch" value={q} onChange={(event) => setQ(event.target.value)} />
      </label>
      <ApiErrorMessage error={customers.error} />
      {q.trim() && customers.data && found.length === 0 && <p className="help">{t("orders.noCustomerFound")}</p>}
      {q.trim() && found.length > 0 && (
        <ul className="choices" aria-label={t("orders.customerResults")}>
          {found.slice(0, 8).map((customer) => (
            <li key={customer.id}>
              <button type="button" className="button secondary" onClick={() => onChoose(customer.id)}>
                {t("orders.chooseCustomer", { name: customer.name || customer.phone || customer.whatsappId })}
                {customer.phone && <span className="help"> {customer.phone}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
      <p className="help">
        <Link to="/customers/new">{t("orders.newCustomer")}</Link>
      </p>
    </fieldset>
  );
}

function ProductPicker({ onAdd }: { onAdd(product: Product): void }) {
  const { t, i18n } = useTranslation();
  const [q, setQ] = useState("");
  const products = useProductSearch(q);
  return (
    <div className="form">
      <label>
        {t("orders.findProduct")}
        <input type="search" name="productSearch" value={q} onChange={(event) => setQ(event.target.value)} />
      </label>
      <ApiErrorMessage error={products.error} />
      {products.data && products.data.items.length === 0 && <p className="help">{t("orders.noProductFound")}</p>}
      {products.data && products.data.items.length > 0 && (
        <ul className="choices" aria-label={t("orders.productResults")}>
          {products.data.items.slice(0, 8).map((product) => (
            <li key={product.id}>
              <button type="button" className="button secondary" onClick={() => onAdd(product)}>
                {t("orders.addProduct", { name: product.name })}
                <span className="help">
                  {" "}
                  {formatMoney(product.priceMinor, product.currency, i18n.language)} · {t("orders.inStock", { count: product.stock })}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export default function OrderCreatePage() {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [customerId, setCustomerId] = useState<string | null>(params.get("customerId"));
  const customer = useCustomer(customerId ?? "", customerId !== null);
  const [lines, setLines] = useState<Line[]>([]);
  const [deliveryMethod, setDeliveryMethod] = useState<"pickup" | "delivery">("pickup");
  const [deliveryAddress, setDeliveryAddress] = useState("");
  const [deliveryCost, setDeliveryCost] = useState("");
  const [paymentMethod, setPaymentMethod] = useState("");
  const [notes, setNotes] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [idempotencyKey] = useState(newIdempotencyKey);
  const create = useCreateOrder();
  const short = useMemo(() => shortLinesOf(create.error), [create.error]);
  if (!can("orders:write")) return <Navigate to="/orders" replace />;

  const chosen = customerId && customer.data?.id === customerId ? customer.data : undefined;
  const currency = lines[0]?.product.currency;
  const priceOf = (line: Line) => line.product.variants.find((variant) => variant.id === line.variantId)?.priceMinor ?? line.product.priceMinor;
  const estimate = lines.reduce((sum, line) => sum + priceOf(line) * (Number(line.quantity) || 0), 0);
  const shortOf = (line: Line) => short.find((item) => item.productId === line.product.id && item.variantId === line.variantId);

  const add = (product: Product) =>
    setLines((list) => (list.some((line) => line.product.id === product.id && line.variantId === null) ? list : [...list, { product, variantId: null, quantity: "1" }]));
  const update = (index: number, changes: Partial<Line>) => setLines((list) => list.map((line, at) => (at === index ? { ...line, ...changes } : line)));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!customerId) return setProblem(t("orders.needCustomer"));
    if (lines.length === 0) return setProblem(t("orders.needLines"));
    const deliveryMinor = deliveryMethod === "delivery" && deliveryCost.trim() ? toMinor(deliveryCost, currency ?? "") : 0;
    if (deliveryMinor === null) return setProblem(t("orders.amountHelp"));
    setProblem(null);
    create.mutate(
      {
        idempotencyKey,
        body: {
          customerId,
          lines: lines.map((line) => ({ productId: line.product.id, variantId: line.variantId, quantity: Number(line.quantity) })),
          deliveryMethod,
          deliveryMinor,
          ...(deliveryMethod === "delivery" ? { deliveryAddress } : {}),
          paymentMethod,
          notes,
        },
      },
      { onSuccess: (order) => void navigate(`/orders/${order.id}`) },
    );
  };

  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to="/orders">← {t("orders.title")}</Link>
      </p>
      <h1 id="page-title">{t("orders.newTitle")}</h1>
      <form className="form wide" onSubmit={submit}>
        <CustomerPicker chosen={chosen} onChoose={setCustomerId} />
        <ApiErrorMessage error={customer.error} />

        <fieldset className="provider">
          <legend>{t("orders.lines")}</legend>
          {lines.length === 0 && <p className="help">{t("orders.noLines")}</p>}
          {lines.map((line, index) => {
            const missing = shortOf(line);
            const variants = line.product.variants.filter((variant) => variant.active);
            return (
              <div key={`${line.product.id}:${index}`} className="order-line" role="group" aria-label={line.product.name}>
                <strong>{line.product.name}</strong>
                <span className="help">
                  {formatMoney(priceOf(line), line.product.currency, i18n.language)} · <code>{line.product.sku}</code>
                </span>
                {variants.length > 0 && (
                  <div className="field">
                    <label htmlFor={`line-${index}-variant`}>{t("orders.variant")}</label>
                    <select id={`line-${index}-variant`} value={line.variantId ?? ""} onChange={(event) => update(index, { variantId: event.target.value || null })}>
                      <option value="">{t("orders.noVariant")}</option>
                      {variants.map((variant) => (
                        <option key={variant.id} value={variant.id}>
                          {[variant.size, variant.colour].filter(Boolean).join(" · ") || variant.sku}
                        </option>
                      ))}
                    </select>
                  </div>
                )}
                <label>
                  {t("orders.quantityOf", { name: line.product.name })}
                  <input
                    type="number"
                    name={`quantity.${index}`}
                    min={1}
                    max={10000}
                    step={1}
                    required
                    aria-invalid={missing ? true : undefined}
                    aria-describedby={missing ? `line-${index}-short` : undefined}
                    value={line.quantity}
                    onChange={(event) => update(index, { quantity: event.target.value })}
                  />
                </label>
                {missing && (
                  <p id={`line-${index}-short`} className="error-text">
                    {missing.available > 0 ? t("orders.onlyLeft", { count: missing.available, requested: missing.requested }) : t("orders.soldOut")}
                  </p>
                )}
                <button type="button" className="button secondary" onClick={() => setLines((list) => list.filter((_, at) => at !== index))}>
                  {t("orders.removeLine", { name: line.product.name })}
                </button>
              </div>
            );
          })}
          <ProductPicker onAdd={add} />
        </fieldset>

        <div className="field">
          <label htmlFor="delivery-method">{t("orders.delivery")}</label>
          <select id="delivery-method" value={deliveryMethod} onChange={(event) => setDeliveryMethod(event.target.value === "delivery" ? "delivery" : "pickup")}>
            <option value="pickup">{t("orders.deliveryMethods.pickup")}</option>
            <option value="delivery">{t("orders.deliveryMethods.delivery")}</option>
          </select>
        </div>
        {deliveryMethod === "delivery" && (
          <>
            <label>
              {t("orders.address")}
              <input name="deliveryAddress" required maxLength={1000} value={deliveryAddress} onChange={(event) => setDeliveryAddress(event.target.value)} />
            </label>
            <label>
              {t("orders.deliveryCostIn", { currency: currency ?? "" })} {t("common.optional")}
              <input name="deliveryCost" inputMode="decimal" value={deliveryCost} onChange={(event) => setDeliveryCost(event.target.value)} />
            </label>
          </>
        )}
        <label>
          {t("orders.paymentMethod")} {t("common.optional")}
          <input name="paymentMethod" maxLength={40} value={paymentMethod} onChange={(event) => setPaymentMethod(event.target.value)} />
        </label>
        <label>
          {t("orders.notes")} {t("common.optional")}
          <textarea name="notes" maxLength={4000} rows={3} value={notes} onChange={(event) => setNotes(event.target.value)} />
        </label>
        {currency && (
          <p>
            {t("orders.estimate")}: <strong>{formatMoney(estimate, currency, i18n.language)}</strong> <span className="help">{t("orders.estimateHelp")}</span>
          </p>
        )}
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        {short.length > 0 ? (
          <div className="error" role="alert">
            <p>{t("orders.outOfStock")}</p>
            <ul>
              {short.map((line) => (
                <li key={`${line.productId}:${line.variantId ?? ""}`}>
                  <code>{line.sku}</code> — {line.available > 0 ? t("orders.onlyLeft", { count: line.available, requested: line.requested }) : t("orders.soldOut")}
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <ApiErrorMessage error={create.error} />
        )}
        <div className="row">
          <button type="submit" className="button" disabled={create.isPending}>
            {create.isPending ? t("common.working") : t("orders.create")}
          </button>
        </div>
      </form>
    </section>
  );
}
