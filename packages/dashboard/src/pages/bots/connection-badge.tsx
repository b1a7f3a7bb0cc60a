// A bot's connection state as a labelled badge (colour is never the only cue: the text says it).
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";

type State = Schemas["BotConnection"]["state"] | null;

export function ConnectionBadge({ state }: { state: State }) {
  const { t } = useTranslation();
  const name = state ?? "unknown";
  return <span className={`badge state-${name}`}>{t(`connection.${name}`)}</span>;
}
