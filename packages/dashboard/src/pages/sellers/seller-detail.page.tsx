// One seller: contact, status (the seller themself or a manager changes it), on duty now, load;
// managers change active, supervisor, specialty and capacity; the weekly schedule and days off;
// and the customers they attend now.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { AssignmentsList } from "./assignments-list";
import { ScheduleEditor } from "./schedule-editor";
import { useLiveRefresh } from "../orders/live-refresh";
import { sellersKey, useOwnSeller, useSchedule, useSeller, useUpdateSeller, type Seller } from "./sellers.queries";

const STATUSES = ["online", "busy", "offline"] as const;

function StatusControl({ seller }: { seller: Seller }) {
  const { t } = useTranslation();
  const update = useUpdateSeller(seller.id);
  return (
    <div className="form">
      <div className="field">
        <label htmlFor="seller-status">{t("sellers.status")}</label>
        <select
          id="seller-status"
          value={seller.status}
          disabled={update.isPending}
          onChange={(event) => {
            const status = STATUSES.find((known) => known === event.target.value);
            if (status) update.mutate({ status });
          }}
        >
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {t(`sellers.statuses.${status}`)}
            </option>
          ))}
        </select>
      </div>
      <ApiErrorMessage error={update.error} />
    </div>
  );
}

function ManagerSettings({ seller }: { seller: Seller }) {
  const { t } = useTranslation();
  const update = useUpdateSeller(seller.id);
  const [active, setActive] = useState(seller.active);
  const [supervisor, setSupervisor] = useState(seller.supervisor);
  const [specialty, setSpecialty] = useState(seller.specialty);
  const [maxConcurrent, setMaxConcurrent] = useState(String(seller.maxConcurrentCustomers));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ active, supervisor, specialty, maxConcurrentCustomers: Number(maxConcurrent) });
  };
  return (
    <form className="form" onSubmit={submit} aria-labelledby="seller-settings-title">
      <h2 id="seller-settings-title">{t("sellers.settings")}</h2>
      <label className="check">
        <input type="checkbox" name="active" checked={active} onChange={(event) => setActive(event.target.checked)} />
        {t("sellers.activeFlag")}
      </label>
      <label className="check">
        <input type="checkbox" name="supervisor" checked={supervisor} onChange={(event) => setSupervisor(event.target.checked)} />
        {t("sellers.supervisorFlag")}
      </label>
      <label>
        {t("sellers.specialty")} {t("common.optional")}
        <input name="specialty" maxLength={60} value={specialty} onChange={(event) => setSpecialty(event.target.value)} />
      </label>
      <label>
        {t("sellers.maxConcurrent")}
        <input name="maxConcurrentCustomers" type="number" min={1} max={1000} required value={maxConcurrent} onChange={(event) => setMaxConcurrent(event.target.value)} />
      </label>
      <ApiErrorMessage error={update.error} />
      {update.isSuccess && <p role="status">{t("sellers.saved")}</p>}
      <div className="row">
        <button type="submit" className="button" disabled={update.isPending}>
          {update.isPending ? t("common.working") : t("sellers.save")}
        </button>
      </div>
    </form>
  );
}

export default function SellerDetailPage() {
  const { t } = useTranslation();
  const { sellerId = "" } = useParams();
  const { can } = useAuth();
  const seller = useSeller(sellerId);
  useLiveRefresh(["seller."], [sellersKey]);
  const schedule = useSchedule(sellerId);
  const own = useOwnSeller();
  const manager = can("sellers:write");
  const data = seller.data;
  const self = own?.id === sellerId;

  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to="/sellers">← {t("sellers.title")}</Link>
      </p>
      <h1 id="page-title">{data?.name ?? t("sellers.seller")}</h1>
      {seller.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={seller.error} />
      {data && (
        <div className="cards">
          <article className="card" aria-labelledby="availability-title">
            <h2 id="availability-title">{t("sellers.availability")}</h2>
            <p data-testid="on-duty">
              <span className={`badge seller-${data.status}`}>{t(`sellers.statuses.${data.status}`)}</span> · {data.onDuty ? t("sellers.onDutyNow") : t("sellers.offDutyNow")}
            </p>
            <dl className="facts">
              <div>
                <dt>{t("sellers.phone")}</dt>
                <dd>{data.phone}</dd>
              </div>
              <div>
                <dt>{t("sellers.load")}</dt>
                <dd>
                  {data.currentLoad} / {data.maxConcurrentCustomers}
                </dd>
              </div>
              <div>
                <dt>{t("sellers.specialty")}</dt>
                <dd>{data.specialty || "—"}</dd>
              </div>
              <div>
                <dt>{t("sellers.supervisor")}</dt>
                <dd>{data.supervisor ? t("sellers.yes") : t("sellers.no")}</dd>
              </div>
              <div>
                <dt>{t("sellers.activeFlag")}</dt>
                <dd>{data.active ? t("sellers.yes") : t("sellers.no")}</dd>
              </div>
            </dl>
            {(manager || (self && can("sellers:self"))) && <StatusControl seller={data} />}
          </article>
          <article className="card" aria-labelledby="assignments-title">
            <h2 id="assignments-title">{t("sellers.currentAssignments")}</h2>
            <AssignmentsList sellerId={data.id} />
          </article>
        </div>
      )}
      {data && manager && <ManagerSettings key={data.id} seller={data} />}
      <ApiErrorMessage error={schedule.error} />
      {schedule.data && <ScheduleEditor key={sellerId} sellerId={sellerId} schedule={schedule.data} editable={manager} />}
    </section>
  );
}
