// The shop's flows by scope: its default flows (what bots without their own run), then each bot's,
// with the version that runs and the latest one (a newer draft shows as such).
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { useBots } from "../bots/bots.queries";
import { useFlows, useInstallDefaults, type Flow } from "./flows.queries";
import "./flows.css";

function FlowsTable({ flows, caption }: { flows: Flow[]; caption: string }) {
  const { t, i18n } = useTranslation();
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" });
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("flows.name")}</th>
            <th scope="col">{t("flows.kind")}</th>
            <th scope="col">{t("flows.activeVersion")}</th>
            <th scope="col">{t("flows.latestVersion")}</th>
            <th scope="col">{t("flows.updated")}</th>
          </tr>
        </thead>
        <tbody>
          {flows.map((flow) => (
            <tr key={flow.id}>
              <td>
                <Link to={`/flows/${flow.id}`}>{flow.name}</Link> <code className="slug">{flow.slug}</code>
              </td>
              <td>{t(`flows.kinds.${flow.kind}`)}</td>
              <td>{flow.activeVersion === null ? <span className="badge state-unknown">{t("flows.inactive")}</span> : <span className="badge state-connected">v{flow.activeVersion}</span>}</td>
              <td>
                v{flow.latestVersion}
                {flow.latestVersion !== flow.activeVersion && <span className="badge state-connecting flow-draft-badge">{t("flows.status.draft")}</span>}
              </td>
              <td>{date.format(new Date(flow.updatedAt))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function FlowsPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const flows = useFlows();
  const bots = useBots();
  const install = useInstallDefaults();
  const all = flows.data?.flows ?? [];
  const defaults = all.filter((flow) => flow.botId === null);
  const botIds = [...new Set(all.flatMap((flow) => (flow.botId === null ? [] : [flow.botId])))];
  const botName = (botId: string) => bots.data?.bots.find((bot) => bot.id === botId)?.displayName ?? botId;

  return (
    <section aria-labelledby="page-title" className="flows-list">
      <div className="page-head">
        <h1 id="page-title">{t("flows.title")}</h1>
      </div>
      <p className="help">{t("flows.intro")}</p>
      {flows.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={flows.error} />
      {flows.data && all.length === 0 && (
        <div className="notice">
          <p>{can("flows:write") ? t("flows.emptyManager") : t("flows.empty")}</p>
          {can("flows:write") && (
            <button type="button" className="button" onClick={() => install.mutate()} disabled={install.isPending}>
              {install.isPending ? t("common.working") : t("flows.installDefaults")}
            </button>
          )}
          <ApiErrorMessage error={install.error} />
        </div>
      )}
      {defaults.length > 0 && (
        <section aria-labelledby="flows-defaults">
          <h2 id="flows-defaults">{t("flows.defaults")}</h2>
          <p className="help">{t("flows.defaultsHelp")}</p>
          <FlowsTable flows={defaults} caption={t("flows.defaults")} />
        </section>
      )}
      {botIds.map((botId) => (
        <section key={botId} aria-labelledby={`flows-bot-${botId}`}>
          <h2 id={`flows-bot-${botId}`}>{t("flows.ofBot", { bot: botName(botId) })}</h2>
          <FlowsTable flows={all.filter((flow) => flow.botId === botId)} caption={t("flows.ofBot", { bot: botName(botId) })} />
        </section>
      ))}
    </section>
  );
}
