// The settings and write-only secrets each provider kind takes, for the bot form. The adapter
// validates them (a wrong value comes back as the API's error, shown at the form); this list only
// decides which inputs to offer, in the adapter's names.
import type { Schemas } from "../../api/client";

export type ProviderKind = NonNullable<Schemas["Bot"]["providers"][number]["kind"]>;

export interface SettingField {
  key: string;
  required: boolean;
  /** The input's type and pattern hint. */
  inputMode?: "numeric" | "tel" | "url";
}

export interface ProviderFields {
  settings: SettingField[];
  secrets: string[];
}

export const PROVIDER_KINDS: readonly ProviderKind[] = ["meta", "official", "twilio", "evolution", "baileys"];

export const PROVIDER_FIELDS: Record<ProviderKind, ProviderFields> = {
  meta: {
    settings: [
      { key: "phone_number_id", required: true, inputMode: "numeric" },
      { key: "waba_id", required: false, inputMode: "numeric" },
      { key: "display_phone_number", required: false, inputMode: "tel" },
      { key: "api_version", required: false },
      { key: "base_url", required: false, inputMode: "url" },
      { key: "messages_per_second", required: false, inputMode: "numeric" },
    ],
    secrets: ["access_token"],
  },
  official: {
    settings: [
      { key: "phone_number_id", required: true, inputMode: "numeric" },
      { key: "base_url", required: false, inputMode: "url" },
      { key: "messages_per_second", required: false, inputMode: "numeric" },
    ],
    secrets: ["api_key"],
  },
  twilio: {
    settings: [
      { key: "account_sid", required: true },
      { key: "from_number", required: true, inputMode: "tel" },
      { key: "base_url", required: false, inputMode: "url" },
      { key: "messages_per_second", required: false, inputMode: "numeric" },
    ],
    secrets: ["auth_token"],
  },
  evolution: {
    settings: [
      { key: "base_url", required: true, inputMode: "url" },
      { key: "instance", required: true },
      { key: "phone_number", required: false, inputMode: "tel" },
      { key: "messages_per_second", required: false, inputMode: "numeric" },
    ],
    secrets: ["api_key"],
  },
  baileys: {
    settings: [
      { key: "phone_number", required: false, inputMode: "tel" },
      { key: "typing_max_ms", required: false, inputMode: "numeric" },
    ],
    secrets: [],
  },
};
