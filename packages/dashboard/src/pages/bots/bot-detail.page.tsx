// One bot: its providers (secret names only), its live connection state, and for a bot waiting to
// be linked the QR to scan (refetched whenever a connection frame brings a new one) or a pairing
// code for a phone number.
import { useMutation } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../../api/client";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { useBot, useBotConnection, useBotQrImage } from "./bots.queries";
import { ConnectionBadge } from "./connection-badge";

function QrImage({ botId, version }: { botId: string; version: string | undefined }) {
  const { t } = useTranslation();
  const image = useBotQrImage(botId, version, true);
  const [url, setUrl] = useState<string | null>(null);
  // One object URL per image, released when the image is replaced or the page left.
  useEffect(() => {
    if (!image.data) return;
    const next = URL.createObjectURL(image.data);
    setUrl(next);
    return () => URL.revokeObjectURL(next);
  }, [image.data]);
  if (image.error) return <ApiErrorMessage error={image.error} />;
  if (!url) return <p role="status">{t("common.loading")}</p>;
  return <img className="qr" src={url} width={264} height={264} alt={t("bots.qrAlt")} />;
}

function PairingCodeForm({ botId }: { botId: string }) {
  const { t } = useTranslation();
  const [phoneNumber, setPhoneNumber] = useState("");
  const request = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/bots/{botId}/connection/pairing-code", { params: { path: { botId } }, body: { phoneNumber } })),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    request.mutate();
  };
  return (
    <form className="form" onSubmit={submit}>
      <label>
        {t("bots.pairingPhone")}
        <input name="phoneNumber" inputMode="numeric" required pattern="[1-9][0-9]{7,14}" aria-describedby="pairing-help" value={phoneNumber} onChange={(event) => setPhoneNumber(event.target.value)} />
      </label>
      <p id="pairing-help" className="help">
        {t("bots.pairingHelp")}
      </p>
      <ApiErrorMessage error={request.error} />
      <button type="submit" className="button" disabled={request.isPending}>
        {t("bots.requestPairingCode")}
      </button>
      {request.data && (
        <p role="status">
          {t("bots.pairingCode")}: <strong className="pairing-code">{request.data.pairingCode}</strong>
        </p>
      )}
    </form>
  );
}

export default function BotDetailPage() {
  const { t } = useTranslation();
  const { botId = "" } = useParams();
  const { can } = useAuth();
  const bot = useBot(botId);
  const connection = useBotConnection(botId);
  const state = connection.data?.state ?? bot.data?.connection.state ?? null;
  const linking = can("bots:connect") && (state === "awaiting_pairing" || state === "needs_link");

  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to="/bots">← {t("bots.title")}</Link>
      </p>
      <h1 id="page-title">{bot.data?.displayName ?? t("bots.bot")}</h1>
      {bot.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={bot.error} />
      <div className="cards">
        <article className="card" aria-labelledby="connection-title">
          <h2 id="connection-title">{t("bots.connection")}</h2>
          <p aria-live="polite" data-testid="connection-state">
            <ConnectionBadge state={state} />
            {connection.data?.provider && <span> {t("bots.via", { provider: t(`providers.${connection.data.provider}`) })}</span>}
          </p>
          {connection.data?.detail && <p className="help">{connection.data.detail}</p>}
          {connection.data?.pairingCode && (
            <p>
              {t("bots.pairingCode")}: <strong className="pairing-code">{connection.data.pairingCode}</strong>
            </p>
          )}
          <ApiErrorMessage error={connection.error} />
        </article>
        {linking && (
          <article className="card" aria-labelledby="link-title">
            <h2 id="link-title">{t("bots.linkTitle")}</h2>
            <p>{t("bots.scanHelp")}</p>
            <QrImage botId={botId} version={connection.data?.qr} />
            <PairingCodeForm botId={botId} />
          </article>
        )}
      </div>
      {bot.data && (
        <>
          <h2>{t("bots.providers")}</h2>
          <ol className="providers">
            {bot.data.providers.map((provider, index) => (
              <li key={`${provider.kind ?? "unknown"}-${index}`}>
                <strong>{provider.kind ? t(`providers.${provider.kind}`) : t("providers.unknown")}</strong>
                <dl>
                  {Object.entries(provider.settings).map(([key, value]) => (
                    <div key={key}>
                      <dt>
                        <code>{key}</code>
                      </dt>
                      <dd>{value}</dd>
                    </div>
                  ))}
                  {provider.secretNames.map((name) => (
                    <div key={name}>
                      <dt>
                        <code>{name}</code>
                      </dt>
                      <dd>{t("bots.secretStored")}</dd>
                    </div>
                  ))}
                </dl>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
