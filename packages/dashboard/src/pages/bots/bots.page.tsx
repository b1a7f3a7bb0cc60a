// The shop's bots: name, providers in fallback order, connection state; managers may add one.
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { useBots } from "./bots.queries";
import { ConnectionBadge } from "./connection-badge";

export default function BotsPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const bots = useBots();
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t("bots.title")}</h1>
        {can("bots:write") && (
          <Link className="button" to="/bots/new">
            {t("bots.new")}
          </Link>
        )}
      </div>
      {bots.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={bots.error} />
      {bots.data && bots.data.bots.length === 0 && <p className="notice">{t("bots.empty")}</p>}
      {bots.data && bots.data.bots.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t("bots.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("bots.name")}</th>
                <th scope="col">{t("bots.providers")}</th>
                <th scope="col">{t("bots.connection")}</th>
              </tr>
            </thead>
            <tbody>
              {bots.data.bots.map((bot) => (
                <tr key={bot.id}>
                  <td>
                    <Link to={`/bots/${bot.id}`}>{bot.displayName}</Link>
                  </td>
                  <td>{bot.providers.map((provider) => (provider.kind ? t(`providers.${provider.kind}`) : t("providers.unknown"))).join(" → ")}</td>
                  <td>
                    <ConnectionBadge state={bot.connection.state} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
