// The shop's analytics: KPI cards for the last 24 h, 7 d or 30 d (the 24-hour ones live from the
// WebSocket's "kpis" frames), charts of messages per day, engagement by hour and sales per week,
// and the live list of the shop's events. recharts is loaded with this page only.
import { useId, useState, type ReactElement } from "react";
import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useLiveEvents } from "../../live/live";
import { ApiErrorMessage } from "../../ui/api-error";
import { RANGES, useMetrics, useSeries, type Metrics, type Range } from "./analytics.queries";
import { formatCount, formatMoney, formatMs, formatPercent, fromMinor } from "./format";

const CHART_HEIGHT = 240;
const COLORS = ["#1f5fbf", "#b3541e", "#2e7d32", "#6a1b9a"];

function Kpi({ id, label, value }: { id: string; label: string; value: string }) {
  return (
    <div className="kpi" data-kpi={id}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function KpiCards({ metrics }: { metrics: Metrics }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const none = t("analytics.none");
  const sales = metrics.sales.length > 0 ? metrics.sales.map((sale) => formatMoney(sale.amountMinor, sale.currency, lang)).join(" · ") : none;
  return (
    <dl className="kpis">
      <Kpi id="messagesIn" label={t("analytics.messagesIn")} value={formatCount(metrics.messagesIn, lang)} />
      <Kpi id="messagesOut" label={t("analytics.messagesOut")} value={formatCount(metrics.messagesOut, lang)} />
      <Kpi id="errorRate" label={t("analytics.errorRate")} value={formatPercent(metrics.errorRate, lang)} />
      <Kpi id="responseAverage" label={t("analytics.responseAverage")} value={formatMs(metrics.responseMs.average, lang, none)} />
      <Kpi id="responseP90" label={t("analytics.responseP90")} value={formatMs(metrics.responseMs.p90, lang, none)} />
      <Kpi id="conversations" label={t("analytics.conversations")} value={formatCount(metrics.conversations, lang)} />
      <Kpi id="conversion" label={t("analytics.conversion")} value={formatPercent(metrics.conversion.rate, lang)} />
      <Kpi id="orders" label={t("analytics.orders")} value={formatCount(metrics.orders, lang)} />
      <Kpi id="sales" label={t("analytics.sales")} value={sales} />
    </dl>
  );
}

function ChartFigure({ title, children, empty }: { title: string; children: ReactElement; empty: boolean }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <figure className="chart" aria-labelledby={id}>
      <figcaption id={id}>{title}</figcaption>
      {empty ? (
        <p className="notice">{t("analytics.noData")}</p>
      ) : (
        <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
          {children}
        </ResponsiveContainer>
      )}
    </figure>
  );
}

function shortDate(iso: string, language: string, withHour: boolean): string {
  return new Intl.DateTimeFormat(language, withHour ? { hour: "2-digit", minute: "2-digit" } : { day: "numeric", month: "short" }).format(new Date(iso));
}

function MessagesChart({ range }: { range: Range }) {
  const { t, i18n } = useTranslation();
  const bucket = range === "24h" ? "hour" : "day";
  const incoming = useSeries("messagesIn", range, bucket);
  const outgoing = useSeries("messagesOut", range, bucket);
  const sent = new Map((outgoing.data?.points ?? []).map((point) => [point.start, point.value]));
  const data = (incoming.data?.points ?? []).map((point) => ({ label: shortDate(point.start, i18n.language, bucket === "hour"), in: point.value, out: sent.get(point.start) ?? 0 }));
  return (
    <>
      <ApiErrorMessage error={incoming.error ?? outgoing.error} />
      <ChartFigure title={range === "24h" ? t("analytics.messagesPerHour") : t("analytics.messagesPerDay")} empty={data.length === 0}>
        <LineChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          <Line type="monotone" dataKey="in" name={t("analytics.messagesIn")} stroke={COLORS[0]} dot={false} />
          <Line type="monotone" dataKey="out" name={t("analytics.messagesOut")} stroke={COLORS[1]} dot={false} />
        </LineChart>
      </ChartFigure>
    </>
  );
}

function EngagementChart({ metrics }: { metrics: Metrics }) {
  const { t } = useTranslation();
  const data = metrics.engagementByHour.map((value, hour) => ({ hour: String(hour), value }));
  return (
    <ChartFigure title={t("analytics.engagementByHour", { timeZone: metrics.timeZone })} empty={data.every((point) => point.value === 0)}>
      <BarChart data={data}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="hour" interval={2} />
        <YAxis allowDecimals={false} />
        <Tooltip />
        <Bar dataKey="value" name={t("analytics.messagesIn")} fill={COLORS[0]} />
      </BarChart>
    </ChartFigure>
  );
}

function SalesChart({ range }: { range: Range }) {
  const { t, i18n } = useTranslation();
  const series = useSeries("sales", range, "week");
  const points = series.data?.points ?? [];
  const currencies = [...new Set(points.flatMap((point) => (point.amounts ?? []).map((amount) => amount.currency)))];
  const data = points.map((point) => ({
    label: shortDate(point.start, i18n.language, false),
    ...Object.fromEntries((point.amounts ?? []).map((amount) => [amount.currency, fromMinor(amount.amountMinor, amount.currency)])),
  }));
  return (
    <>
      <ApiErrorMessage error={series.error} />
      <ChartFigure title={t("analytics.salesPerWeek")} empty={currencies.length === 0}>
        <BarChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" />
          <YAxis />
          <Tooltip />
          <Legend />
          {currencies.map((currency, index) => (
            <Bar key={currency} dataKey={currency} name={currency} fill={COLORS[index % COLORS.length]} />
          ))}
        </BarChart>
      </ChartFigure>
    </>
  );
}

function LiveEvents() {
  const { t, i18n } = useTranslation();
  const events = useLiveEvents();
  return (
    <section aria-labelledby="live-title" className="live-events">
      <h2 id="live-title">{t("analytics.liveTitle")}</h2>
      {events.length === 0 ? (
        <p className="notice">{t("analytics.liveEmpty")}</p>
      ) : (
        <ul>
          {events.map((event) => (
            <li key={event.id}>
              <time dateTime={event.occurredAt}>{new Intl.DateTimeFormat(i18n.language, { timeStyle: "medium" }).format(new Date(event.occurredAt))}</time> <code>{event.type}</code>
              {event.contact && <span> · {event.contact}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export default function AnalyticsPage() {
  const { t } = useTranslation();
  const [range, setRange] = useState<Range>("24h");
  const metrics = useMetrics(range);
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t("analytics.title")}</h1>
        <div className="segmented" role="group" aria-label={t("analytics.range")}>
          {RANGES.map((option) => (
            <button key={option} type="button" className="button secondary" aria-pressed={option === range} onClick={() => setRange(option)}>
              {t(`analytics.ranges.${option}`)}
            </button>
          ))}
        </div>
      </div>
      {metrics.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={metrics.error} />
      {metrics.data && <KpiCards metrics={metrics.data} />}
      <div className="charts">
        <MessagesChart range={range} />
        {metrics.data && <EngagementChart metrics={metrics.data} />}
        <SalesChart range={range} />
      </div>
      <LiveEvents />
    </section>
  );
}
