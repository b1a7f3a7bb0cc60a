// A new bot: its name and its providers, the primary first and then the fallback order (moved up
// and down), each with its settings and its write-only secrets (sent once, never shown again).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useNavigate } from "react-router";
import { api, unwrap } from "../../api/client";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { botsKey } from "./bots.queries";
import { PROVIDER_FIELDS, PROVIDER_KINDS, type ProviderKind } from "./provider-fields";

const MAX_PROVIDERS = 5;

interface ProviderDraft {
  key: number;
  kind: ProviderKind;
  settings: Record<string, string>;
  secrets: Record<string, string>;
}

let nextKey = 0;
const draft = (kind: ProviderKind): ProviderDraft => ({ key: nextKey++, kind, settings: {}, secrets: {} });

/** Only filled values: an empty optional setting is left out rather than sent as "". */
function filled(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim() !== ""));
}

function ProviderEditor({ index, count, provider, onChange, onMove, onRemove }: { index: number; count: number; provider: ProviderDraft; onChange(next: ProviderDraft): void; onMove(by: -1 | 1): void; onRemove(): void }) {
  const { t } = useTranslation();
  const id = useId();
  const fields = PROVIDER_FIELDS[provider.kind];
  const chooseKind = (value: string) => {
    const kind = PROVIDER_KINDS.find((known) => known === value);
    if (kind) onChange({ ...provider, kind, settings: {}, secrets: {} });
  };
  return (
    <fieldset className="provider">
      <legend>{index === 0 ? t("bots.primaryProvider") : t("bots.fallbackProvider", { position: index })}</legend>
      <div className="field">
        {/* Not wrapped: a wrapped select's name would include its chosen option. */}
        <label htmlFor={`${id}-kind`}>{t("bots.providerKind")}</label>
        <select id={`${id}-kind`} value={provider.kind} onChange={(event) => chooseKind(event.target.value)}>
          {PROVIDER_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {t(`providers.${kind}`)}
            </option>
          ))}
        </select>
      </div>
      {fields.settings.map((field) => (
        <label key={field.key}>
          <span>
            <code>{field.key}</code> {field.required ? "" : t("common.optional")}
          </span>
          <input
            name={`settings.${index}.${field.key}`}
            required={field.required}
            inputMode={field.inputMode === "numeric" ? "numeric" : field.inputMode === "tel" ? "tel" : undefined}
            type={field.inputMode === "url" ? "url" : "text"}
            value={provider.settings[field.key] ?? ""}
            onChange={(event) => onChange({ ...provider, settings: { ...provider.settings, [field.key]: event.target.value } })}
          />
        </label>
      ))}
      {fields.secrets.map((secret) => (
        <label key={secret}>
          <span>
            <code>{secret}</code> <span className="help">{t("bots.secretHelp")}</span>
          </span>
          <input
            name={`secrets.${index}.${secret}`}
            type="password"
            autoComplete="off"
            required
            value={provider.secrets[secret] ?? ""}
            onChange={(event) => onChange({ ...provider, secrets: { ...provider.secrets, [secret]: event.target.value } })}
          />
        </label>
      ))}
      <div className="row" role="group" aria-labelledby={`${id}-order`}>
        <span id={`${id}-order`} className="visually-hidden">
          {t("bots.order", { position: index + 1 })}
        </span>
        <button type="button" className="button secondary" disabled={index === 0} onClick={() => onMove(-1)}>
          {t("bots.moveUp")}
        </button>
        <button type="button" className="button secondary" disabled={index === count - 1} onClick={() => onMove(1)}>
          {t("bots.moveDown")}
        </button>
        <button type="button" className="button secondary" disabled={count === 1} onClick={onRemove}>
          {t("bots.removeProvider")}
        </button>
      </div>
    </fieldset>
  );
}

export default function BotCreatePage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [displayName, setDisplayName] = useState("");
  const [providers, setProviders] = useState<ProviderDraft[]>(() => [draft("meta")]);
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/bots", {
          body: {
            displayName,
            providers: providers.map((provider) => {
              const secrets = filled(provider.secrets);
              return { kind: provider.kind, settings: filled(provider.settings), ...(Object.keys(secrets).length > 0 ? { secrets } : {}) };
            }),
          },
        }),
      ),
    onSuccess: async (bot) => {
      await queryClient.invalidateQueries({ queryKey: botsKey });
      void navigate(`/bots/${bot.id}`);
    },
  });
  if (!can("bots:write")) return <Navigate to="/bots" replace />;

  const update = (index: number, next: ProviderDraft) => setProviders((list) => list.map((provider, at) => (at === index ? next : provider)));
  const move = (index: number, by: -1 | 1) =>
    setProviders((list) => {
      const next = [...list];
      const [moved] = next.splice(index, 1);
      if (moved) next.splice(index + by, 0, moved);
      return next;
    });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t("bots.newTitle")}</h1>
      <form className="form wide" onSubmit={submit}>
        <label>
          {t("bots.name")}
          <input name="displayName" required maxLength={120} value={displayName} onChange={(event) => setDisplayName(event.target.value)} />
        </label>
        <p className="help">{t("bots.fallbackHelp")}</p>
        {providers.map((provider, index) => (
          <ProviderEditor
            key={provider.key}
            index={index}
            count={providers.length}
            provider={provider}
            onChange={(next) => update(index, next)}
            onMove={(by) => move(index, by)}
            onRemove={() => setProviders((list) => list.filter((_, at) => at !== index))}
          />
        ))}
        <button type="button" className="button secondary" disabled={providers.length >= MAX_PROVIDERS} onClick={() => setProviders((list) => [...list, draft("baileys")])}>
          {t("bots.addProvider")}
        </button>
        <ApiErrorMessage error={create.error} />
        <div className="row">
          <button type="submit" className="button" disabled={create.isPending}>
            {create.isPending ? t("common.working") : t("bots.create")}
          </button>
        </div>
      </form>
    </section>
  );
}
