// A new seller (managers): name, WhatsApp number, specialty, how many customers at once, whether
// they supervise; then their page, where the schedule is set.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, useNavigate } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { useCreateSeller } from "./sellers.queries";

export default function SellerCreatePage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const create = useCreateSeller();
  const [name, setName] = useState("");
  const [phone, setPhone] = useState("");
  const [specialty, setSpecialty] = useState("");
  const [maxConcurrent, setMaxConcurrent] = useState("5");
  const [supervisor, setSupervisor] = useState(false);
  if (!can("sellers:write")) return <Navigate to="/sellers" replace />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { name, phone, specialty, maxConcurrentCustomers: Number(maxConcurrent), supervisor },
      { onSuccess: (seller) => void navigate(`/sellers/${seller.id}`) },
    );
  };
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to="/sellers">← {t("sellers.title")}</Link>
      </p>
      <h1 id="page-title">{t("sellers.newTitle")}</h1>
      <form className="form" onSubmit={submit}>
        <label>
          {t("sellers.name")}
          <input name="name" required maxLength={120} value={name} onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          {t("sellers.phone")}
          <input name="phone" type="tel" inputMode="tel" required pattern="\+?[0-9]{7,15}" aria-describedby="seller-phone-help" value={phone} onChange={(event) => setPhone(event.target.value)} />
        </label>
        <p id="seller-phone-help" className="help">
          {t("sellers.phoneHelp")}
        </p>
        <label>
          {t("sellers.specialty")} {t("common.optional")}
          <input name="specialty" maxLength={60} value={specialty} onChange={(event) => setSpecialty(event.target.value)} />
        </label>
        <label>
          {t("sellers.maxConcurrent")}
          <input name="maxConcurrentCustomers" type="number" min={1} max={1000} required value={maxConcurrent} onChange={(event) => setMaxConcurrent(event.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" name="supervisor" checked={supervisor} onChange={(event) => setSupervisor(event.target.checked)} />
          {t("sellers.supervisorFlag")}
        </label>
        <ApiErrorMessage error={create.error} />
        <div className="row">
          <button type="submit" className="button" disabled={create.isPending}>
            {create.isPending ? t("common.working") : t("sellers.create")}
          </button>
        </div>
      </form>
    </section>
  );
}
