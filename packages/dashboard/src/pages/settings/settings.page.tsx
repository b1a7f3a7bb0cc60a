// The shop's settings: business hours per weekday (several ranges a day, closed days), time zone
// (the IANA zones this browser knows), currency, the language of the bot's messages, tax rate,
// seller assignment timeout and catalogue link. Managers edit them; everyone else reads them.
// (Each user's own UI language is the switch in the header.)
import { useMemo, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { ApiError } from "../../api/client";
import { fromDrafts, MAX_RANGES, newRange, problemsPerWeekday, rangesText, toDrafts, weekdayName, weekdayTitle, WEEKDAYS, type DayDraft } from "./business-hours";
import { useSettings, useUpdateSettings, type ShopSettings } from "./settings.queries";

const LANGUAGES = ["es", "en"] as const;
type ShopLanguage = (typeof LANGUAGES)[number];

/** The zones (or currencies) this browser knows, with the current one kept even if it is not among them. */
function withCurrent(values: readonly string[], current: string): string[] {
  return values.includes(current) ? [...values] : [current, ...values];
}

function currencyLabel(code: string, names: Intl.DisplayNames): string {
  const name = names.of(code);
  return name && name !== code ? `${code} — ${name}` : code;
}

function DayEditor({ day, problems, onChange }: { day: DayDraft; problems: readonly string[]; onChange(next: DayDraft): void }) {
  const { t, i18n } = useTranslation();
  const name = weekdayName(day.weekday, i18n.language);
  const base = `day-${day.weekday}`;
  const setRange = (key: number, change: { open?: string; close?: string }) => onChange({ ...day, ranges: day.ranges.map((range) => (range.key === key ? { ...range, ...change } : range)) });
  return (
    <fieldset className="day" data-weekday={day.weekday}>
      <legend>{weekdayTitle(day.weekday, i18n.language)}</legend>
      {problems.length > 0 && (
        <ul className="error day-problems">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      <label className="check">
        <input type="checkbox" checked={day.open} onChange={(event) => onChange({ ...day, open: event.target.checked, ranges: event.target.checked && day.ranges.length === 0 ? [newRange()] : day.ranges })} />
        {t("settings.openOn", { day: name })}
      </label>
      {!day.open && <p className="help">{t("settings.closed")}</p>}
      {day.open &&
        day.ranges.map((range, index) => (
          <div className="range" key={range.key} role="group" aria-label={t("settings.rangeOf", { day: name, position: index + 1 })}>
            <div className="field">
              <label htmlFor={`${base}-${range.key}-open`}>{t("settings.opens")}</label>
              <input id={`${base}-${range.key}-open`} type="time" required value={range.open} onChange={(event) => setRange(range.key, { open: event.target.value })} />
            </div>
            <div className="field">
              <label htmlFor={`${base}-${range.key}-close`}>{t("settings.closes")}</label>
              <input id={`${base}-${range.key}-close`} type="time" required value={range.close} onChange={(event) => setRange(range.key, { close: event.target.value })} />
            </div>
            <button type="button" className="button secondary" disabled={day.ranges.length === 1} onClick={() => onChange({ ...day, ranges: day.ranges.filter((other) => other.key !== range.key) })}>
              {t("settings.removeRange")}
              <span className="visually-hidden"> {t("settings.rangeOf", { day: name, position: index + 1 })}</span>
            </button>
          </div>
        ))}
      {day.open && (
        <button type="button" className="button secondary" disabled={day.ranges.length >= MAX_RANGES} onClick={() => onChange({ ...day, ranges: [...day.ranges, newRange("16:00", "20:00")] })}>
          {t("settings.addRange")}
          <span className="visually-hidden"> ({name})</span>
        </button>
      )}
    </fieldset>
  );
}

function SettingsForm({ settings }: { settings: ShopSettings }) {
  const { t, i18n } = useTranslation();
  const update = useUpdateSettings();
  const [days, setDays] = useState(() => toDrafts(settings.businessHours));
  const [timeZone, setTimeZone] = useState(settings.timeZone);
  const [currency, setCurrency] = useState(settings.currency);
  const [language, setLanguage] = useState<ShopLanguage>(settings.language);
  const [taxPercent, setTaxPercent] = useState(String(settings.taxRateBps / 100));
  const [timeout, setTimeoutMinutes] = useState(String(settings.assignmentTimeoutMinutes));
  const [catalogueUrl, setCatalogueUrl] = useState(settings.catalogueUrl ?? "");
  const zones = useMemo(() => withCurrent(Intl.supportedValuesOf("timeZone"), settings.timeZone), [settings.timeZone]);
  const currencies = useMemo(() => withCurrent(Intl.supportedValuesOf("currency"), settings.currency), [settings.currency]);
  const currencyNames = useMemo(() => new Intl.DisplayNames([i18n.language], { type: "currency" }), [i18n.language]);
  const dayProblems = useMemo(() => problemsPerWeekday(update.error instanceof ApiError ? update.error.details : undefined), [update.error]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({
      businessHours: fromDrafts(days),
      timeZone,
      currency,
      language,
      taxRateBps: Math.round(Number(taxPercent) * 100),
      assignmentTimeoutMinutes: Number(timeout),
      catalogueUrl: catalogueUrl.trim() === "" ? null : catalogueUrl.trim(),
    });
  };
  return (
    <form className="form wide settings-form" onSubmit={submit} onChange={() => update.isSuccess && update.reset()}>
      <h2 id="hours-title">{t("settings.hoursTitle")}</h2>
      <p className="help">{t("settings.hoursHelp")}</p>
      <div className="days" role="group" aria-labelledby="hours-title">
        {days.map((day) => (
          <DayEditor key={day.weekday} day={day} problems={dayProblems.get(day.weekday) ?? []} onChange={(next) => setDays((list) => list.map((other) => (other.weekday === next.weekday ? next : other)))} />
        ))}
      </div>

      <h2>{t("settings.shopTitle")}</h2>
      <div className="field">
        <label htmlFor="settings-time-zone">{t("settings.timeZone")}</label>
        <select id="settings-time-zone" value={timeZone} onChange={(event) => setTimeZone(event.target.value)}>
          {zones.map((zone) => (
            <option key={zone} value={zone}>
              {zone.replaceAll("_", " ")}
            </option>
          ))}
        </select>
        <p className="help">{t("settings.timeZoneHelp")}</p>
      </div>
      <div className="field">
        <label htmlFor="settings-currency">{t("settings.currency")}</label>
        <select id="settings-currency" value={currency} onChange={(event) => setCurrency(event.target.value)}>
          {currencies.map((code) => (
            <option key={code} value={code}>
              {currencyLabel(code, currencyNames)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="settings-language">{t("settings.language")}</label>
        <select id="settings-language" value={language} onChange={(event) => setLanguage(event.target.value === "en" ? "en" : "es")}>
          {LANGUAGES.map((option) => (
            <option key={option} value={option} lang={option}>
              {t(`languages.${option}`)}
            </option>
          ))}
        </select>
        <p className="help">{t("settings.languageHelp")}</p>
      </div>
      <label>
        {t("settings.taxRate")}
        <input type="number" inputMode="decimal" min={0} max={100} step={0.01} required value={taxPercent} onChange={(event) => setTaxPercent(event.target.value)} />
      </label>
      <label>
        {t("settings.assignmentTimeout")}
        <input type="number" inputMode="numeric" min={1} max={10080} step={1} required value={timeout} onChange={(event) => setTimeoutMinutes(event.target.value)} />
      </label>
      <div className="field">
        <label htmlFor="settings-catalogue">
          {t("settings.catalogueUrl")} {t("common.optional")}
        </label>
        <input id="settings-catalogue" type="url" placeholder="https://" value={catalogueUrl} onChange={(event) => setCatalogueUrl(event.target.value)} aria-describedby="settings-catalogue-help" />
        <p id="settings-catalogue-help" className="help">
          {t("settings.catalogueHelp")}
        </p>
      </div>
      <ApiErrorMessage error={update.error} />
      {update.isSuccess && (
        <p className="success" role="status">
          {t("settings.saved")}
        </p>
      )}
      <div className="row">
        <button type="submit" className="button" disabled={update.isPending}>
          {update.isPending ? t("common.working") : t("settings.save")}
        </button>
      </div>
    </form>
  );
}

function SettingsView({ settings }: { settings: ShopSettings }) {
  const { t, i18n } = useTranslation();
  const currencyNames = new Intl.DisplayNames([i18n.language], { type: "currency" });
  return (
    <>
      <p className="notice">{t("settings.readOnly")}</p>
      <h2>{t("settings.hoursTitle")}</h2>
      <dl className="facts">
        {WEEKDAYS.map((weekday) => {
          const hours = rangesText(settings.businessHours.find((day) => day.weekday === weekday));
          return (
            <div key={weekday}>
              <dt>{weekdayTitle(weekday, i18n.language)}</dt>
              <dd>{hours || t("settings.closed")}</dd>
            </div>
          );
        })}
      </dl>
      <h2>{t("settings.shopTitle")}</h2>
      <dl className="facts">
        <div>
          <dt>{t("settings.timeZone")}</dt>
          <dd>{settings.timeZone.replaceAll("_", " ")}</dd>
        </div>
        <div>
          <dt>{t("settings.currency")}</dt>
          <dd>{currencyLabel(settings.currency, currencyNames)}</dd>
        </div>
        <div>
          <dt>{t("settings.language")}</dt>
          <dd>{t(`languages.${settings.language}`)}</dd>
        </div>
        <div>
          <dt>{t("settings.taxRate")}</dt>
          <dd>{settings.taxRateBps / 100}</dd>
        </div>
        <div>
          <dt>{t("settings.assignmentTimeout")}</dt>
          <dd>{settings.assignmentTimeoutMinutes}</dd>
        </div>
        <div>
          <dt>{t("settings.catalogueUrl")}</dt>
          <dd>{settings.catalogueUrl ?? t("settings.none")}</dd>
        </div>
      </dl>
    </>
  );
}

export default function SettingsPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const settings = useSettings();
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t("settings.title")}</h1>
      </div>
      {settings.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={settings.error} />
      {settings.data && (can("settings:write") ? <SettingsForm settings={settings.data} /> : <SettingsView settings={settings.data} />)}
    </section>
  );
}
