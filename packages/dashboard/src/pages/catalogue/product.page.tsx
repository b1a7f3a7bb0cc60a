// One product: create it or change it (price and cost typed as money in the shop's currency,
// images as https URLs, keywords, active), adjust its stock or a variant's with a reason, and add,
// deactivate or bring back variants. Viewers and sellers read it without edit controls.
import { useEffect, useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, useNavigate, useParams } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { formatMoney } from "../analytics/format";
import { useAddVariant, useAdjustStock, useProduct, useSaveProduct, useSetVariantActive, useShopCurrency, type Product, type ProductInput } from "./catalogue.queries";
import { moneyText, parseMoney } from "./money";

interface Draft {
  sku: string;
  name: string;
  description: string;
  category: string;
  material: string;
  price: string;
  cost: string;
  stock: string;
  stockMin: string;
  stockMax: string;
  imageUrls: string;
  keywords: string;
  active: boolean;
}

const EMPTY: Draft = { sku: "", name: "", description: "", category: "", material: "", price: "", cost: "", stock: "0", stockMin: "0", stockMax: "", imageUrls: "", keywords: "", active: true };

function draftOf(product: Product): Draft {
  return {
    sku: product.sku,
    name: product.name,
    description: product.description,
    category: product.category,
    material: product.material,
    price: moneyText(product.priceMinor, product.currency),
    cost: product.costMinor === null ? "" : moneyText(product.costMinor, product.currency),
    stock: String(product.stock),
    stockMin: String(product.stockMin),
    stockMax: product.stockMax === null ? "" : String(product.stockMax),
    imageUrls: product.imageUrls.join("\n"),
    keywords: product.keywords.join(", "),
    active: product.active,
  };
}

const lines = (text: string) =>
  text
    .split(/\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
const words = (text: string) =>
  text
    .split(",")
    .map((word) => word.trim())
    .filter((word) => word !== "");

/** The body to send, or the name of the money field that is not an amount. */
function inputOf(draft: Draft, currency: string): ProductInput | { badMoney: "price" | "cost" } {
  const priceMinor = parseMoney(draft.price, currency);
  if (priceMinor === null) return { badMoney: "price" };
  const costMinor = draft.cost.trim() === "" ? null : parseMoney(draft.cost, currency);
  if (costMinor === null && draft.cost.trim() !== "") return { badMoney: "cost" };
  return {
    sku: draft.sku.trim(),
    name: draft.name.trim(),
    description: draft.description,
    category: draft.category.trim(),
    material: draft.material.trim(),
    priceMinor,
    costMinor,
    stock: Number(draft.stock),
    stockMin: Number(draft.stockMin),
    stockMax: draft.stockMax.trim() === "" ? null : Number(draft.stockMax),
    imageUrls: lines(draft.imageUrls),
    keywords: words(draft.keywords),
    active: draft.active,
  };
}

function StockAdjustment({ product }: { product: Product }) {
  const { t } = useTranslation();
  const id = useId();
  const adjust = useAdjustStock(product.id);
  const [delta, setDelta] = useState("");
  const [reason, setReason] = useState("");
  const [variantId, setVariantId] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    adjust.mutate(
      { delta: Number(delta), reason: reason.trim(), ...(variantId ? { variantId } : {}) },
      {
        onSuccess: () => {
          setDelta("");
          setReason("");
        },
      },
    );
  };
  return (
    <section aria-labelledby={`${id}-title`} className="card">
      <h2 id={`${id}-title`}>{t("catalogue.adjustTitle")}</h2>
      <form className="form" onSubmit={submit}>
        {product.variants.length > 0 && (
          <div className="field">
            <label htmlFor={`${id}-variant`}>{t("catalogue.adjustWhat")}</label>
            <select id={`${id}-variant`} value={variantId} onChange={(event) => setVariantId(event.target.value)}>
              <option value="">{t("catalogue.theProduct", { stock: product.stock })}</option>
              {product.variants.map((variant) => (
                <option key={variant.id} value={variant.id}>
                  {`${variant.sku} (${[variant.size, variant.colour].filter(Boolean).join(", ")}) · ${t("catalogue.stockOf", { stock: variant.stock })}`}
                </option>
              ))}
            </select>
          </div>
        )}
        <label>
          {t("catalogue.delta")}
          <input name="delta" type="number" inputMode="numeric" step={1} required value={delta} onChange={(event) => setDelta(event.target.value)} />
        </label>
        <p className="help">{t("catalogue.deltaHelp")}</p>
        <label>
          {t("catalogue.reason")}
          <input name="reason" required maxLength={200} value={reason} onChange={(event) => setReason(event.target.value)} />
        </label>
        <ApiErrorMessage error={adjust.error} />
        {adjust.data && (
          <p role="status">
            {t("catalogue.stockNow", { stock: adjust.data.stock })}
            {adjust.data.low && ` · ${t("catalogue.low")}`}
          </p>
        )}
        <div className="row">
          <button type="submit" className="button" disabled={adjust.isPending || Number(delta) === 0}>
            {t("catalogue.adjust")}
          </button>
        </div>
      </form>
    </section>
  );
}

function Variants({ product, canEdit }: { product: Product; canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const add = useAddVariant(product.id);
  const setActive = useSetVariantActive(product.id);
  const [draft, setDraft] = useState({ sku: "", size: "", colour: "", price: "", stock: "0", stockMin: "0" });
  const [badPrice, setBadPrice] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const priceMinor = draft.price.trim() === "" ? null : parseMoney(draft.price, product.currency);
    setBadPrice(priceMinor === null && draft.price.trim() !== "");
    if (priceMinor === null && draft.price.trim() !== "") return;
    add.mutate(
      { sku: draft.sku.trim(), size: draft.size.trim(), colour: draft.colour.trim(), priceMinor, stock: Number(draft.stock), stockMin: Number(draft.stockMin) },
      { onSuccess: () => setDraft({ sku: "", size: "", colour: "", price: "", stock: "0", stockMin: "0" }) },
    );
  };
  const field = (key: keyof typeof draft) => ({ value: draft[key], onChange: (event: { target: { value: string } }) => setDraft((known) => ({ ...known, [key]: event.target.value })) });
  return (
    <section aria-labelledby={`${id}-title`} className="card">
      <h2 id={`${id}-title`}>{t("catalogue.variants")}</h2>
      {product.variants.length === 0 ? (
        <p className="help">{t("catalogue.noVariants")}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t("catalogue.variants")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("catalogue.sku")}</th>
                <th scope="col">{t("catalogue.size")}</th>
                <th scope="col">{t("catalogue.colour")}</th>
                <th scope="col">{t("catalogue.price")}</th>
                <th scope="col">{t("catalogue.stock")}</th>
                <th scope="col">{t("catalogue.status")}</th>
              </tr>
            </thead>
            <tbody>
              {product.variants.map((variant) => (
                <tr key={variant.id}>
                  <td>
                    <code>{variant.sku}</code>
                  </td>
                  <td>{variant.size}</td>
                  <td>{variant.colour}</td>
                  <td>{formatMoney(variant.priceMinor ?? product.priceMinor, product.currency, i18n.language)}</td>
                  <td>{variant.stock}</td>
                  <td>
                    {variant.active ? t("catalogue.active") : t("catalogue.inactive")}
                    {canEdit && (
                      <button type="button" className="button secondary small" disabled={setActive.isPending} onClick={() => setActive.mutate({ variantId: variant.id, active: !variant.active })}>
                        {variant.active ? t("catalogue.deactivateVariant", { sku: variant.sku }) : t("catalogue.activateVariant", { sku: variant.sku })}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ApiErrorMessage error={setActive.error} />
      {canEdit && (
        <form className="form" onSubmit={submit} aria-labelledby={`${id}-add`}>
          <h3 id={`${id}-add`}>{t("catalogue.addVariant")}</h3>
          <label>
            {t("catalogue.sku")}
            <input name="variant-sku" required maxLength={64} {...field("sku")} />
          </label>
          <label>
            {t("catalogue.size")}
            <input name="variant-size" maxLength={40} {...field("size")} />
          </label>
          <label>
            {t("catalogue.colour")}
            <input name="variant-colour" maxLength={40} {...field("colour")} />
          </label>
          <label>
            {t("catalogue.variantPrice", { currency: product.currency })}
            <input name="variant-price" inputMode="decimal" aria-invalid={badPrice || undefined} {...field("price")} />
          </label>
          {badPrice && <p className="error">{t("catalogue.badMoney")}</p>}
          <label>
            {t("catalogue.stock")}
            <input name="variant-stock" type="number" inputMode="numeric" min={0} required {...field("stock")} />
          </label>
          <label>
            {t("catalogue.stockMin")}
            <input name="variant-stock-min" type="number" inputMode="numeric" min={0} required {...field("stockMin")} />
          </label>
          <ApiErrorMessage error={add.error} />
          <div className="row">
            <button type="submit" className="button" disabled={add.isPending}>
              {t("catalogue.addVariant")}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

export default function ProductPage() {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const { productId } = useParams();
  const creating = productId === undefined;
  const product = useProduct(productId);
  const currency = useShopCurrency();
  const save = useSaveProduct(productId);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [badMoney, setBadMoney] = useState<"price" | "cost" | null>(null);
  const [saved, setSaved] = useState(false);
  const canEdit = can("products:write");

  useEffect(() => {
    if (product.data) setDraft(draftOf(product.data));
  }, [product.data]);

  if (creating && !canEdit) return <Navigate to="/catalogue" replace />;
  const shopCurrency = product.data?.currency ?? currency.data ?? "";
  const field = (key: Exclude<keyof Draft, "active">) => ({
    value: draft[key],
    onChange: (event: { target: { value: string } }) => {
      setSaved(false);
      setDraft((known) => ({ ...known, [key]: event.target.value }));
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = inputOf(draft, shopCurrency);
    if ("badMoney" in input) {
      setBadMoney(input.badMoney);
      return;
    }
    setBadMoney(null);
    save.mutate(input, {
      onSuccess: (result) => {
        setSaved(true);
        if (creating) void navigate(`/catalogue/${result.id}`, { replace: true });
      },
    });
  };
  const title = creating ? t("catalogue.newTitle") : (product.data?.name ?? t("catalogue.product"));
  const pricePreview = (text: string) => {
    const minor = parseMoney(text, shopCurrency);
    return minor === null || !shopCurrency ? "" : formatMoney(minor, shopCurrency, i18n.language);
  };

  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to="/catalogue">← {t("catalogue.title")}</Link>
      </p>
      <h1 id="page-title">{title}</h1>
      {!creating && product.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={product.error ?? currency.error} />
      {(creating || product.data) && (
        <div className="product-layout">
          <form className="form wide" onSubmit={submit}>
            <fieldset className="plain" disabled={!canEdit}>
              <legend className="visually-hidden">{t("catalogue.details")}</legend>
              <label>
                {t("catalogue.sku")}
                <input name="sku" required maxLength={64} pattern="[A-Za-z0-9][A-Za-z0-9._/\-]{0,63}" {...field("sku")} />
              </label>
              <label>
                {t("catalogue.name")}
                <input name="name" required maxLength={200} {...field("name")} />
              </label>
              <label>
                {t("catalogue.description")}
                <textarea name="description" maxLength={4000} rows={3} {...field("description")} />
              </label>
              <div className="row">
                <label>
                  {t("catalogue.category")}
                  <input name="category" maxLength={80} {...field("category")} />
                </label>
                <label>
                  {t("catalogue.material")}
                  <input name="material" maxLength={80} {...field("material")} />
                </label>
              </div>
              <div className="row">
                <label>
                  {t("catalogue.priceIn", { currency: shopCurrency })}
                  <input name="price" required inputMode="decimal" aria-invalid={badMoney === "price" || undefined} aria-describedby="price-preview" {...field("price")} />
                  <span id="price-preview" className="help">
                    {pricePreview(draft.price)}
                  </span>
                </label>
                <label>
                  {t("catalogue.costIn", { currency: shopCurrency })}
                  <input name="cost" inputMode="decimal" aria-invalid={badMoney === "cost" || undefined} aria-describedby="cost-preview" {...field("cost")} />
                  <span id="cost-preview" className="help">
                    {pricePreview(draft.cost)}
                  </span>
                </label>
              </div>
              {badMoney && <p className="error">{t("catalogue.badMoney")}</p>}
              <div className="row">
                {creating ? (
                  <label>
                    {t("catalogue.stock")}
                    <input name="stock" type="number" inputMode="numeric" min={0} required {...field("stock")} />
                  </label>
                ) : (
                  <p>
                    {t("catalogue.stock")}: <strong data-testid="product-stock">{product.data?.stock}</strong>
                  </p>
                )}
                <label>
                  {t("catalogue.stockMin")}
                  <input name="stockMin" type="number" inputMode="numeric" min={0} required {...field("stockMin")} />
                </label>
                <label>
                  {t("catalogue.stockMax")}
                  <input name="stockMax" type="number" inputMode="numeric" min={0} {...field("stockMax")} />
                </label>
              </div>
              <label>
                {t("catalogue.imageUrls")}
                <textarea name="imageUrls" rows={2} {...field("imageUrls")} />
              </label>
              <p className="help">{t("catalogue.imageHelp")}</p>
              <label>
                {t("catalogue.keywords")}
                <input name="keywords" {...field("keywords")} />
              </label>
              <p className="help">{t("catalogue.keywordsHelp")}</p>
              <label className="check">
                <input
                  type="checkbox"
                  name="active"
                  checked={draft.active}
                  onChange={(event) => {
                    setSaved(false);
                    setDraft((known) => ({ ...known, active: event.target.checked }));
                  }}
                />
                {t("catalogue.activeHelp")}
              </label>
            </fieldset>
            {lines(draft.imageUrls).length > 0 && (
              <ul className="thumbs">
                {lines(draft.imageUrls)
                  .filter((url) => url.startsWith("https://"))
                  .map((url) => (
                    <li key={url}>
                      <img src={url} alt={t("catalogue.imageAlt", { name: draft.name })} loading="lazy" />
                    </li>
                  ))}
              </ul>
            )}
            <ApiErrorMessage error={save.error} />
            {saved && !creating && <p role="status">{t("catalogue.saved")}</p>}
            {canEdit && (
              <div className="row">
                <button type="submit" className="button" disabled={save.isPending || !shopCurrency}>
                  {save.isPending ? t("common.working") : creating ? t("catalogue.create") : t("catalogue.save")}
                </button>
              </div>
            )}
          </form>
          {product.data && (
            <div className="product-side">
              {canEdit && <StockAdjustment product={product.data} />}
              <Variants product={product.data} canEdit={canEdit} />
            </div>
          )}
        </div>
      )}
    </section>
  );
}
