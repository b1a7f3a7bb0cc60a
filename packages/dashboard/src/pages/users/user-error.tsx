// A refused change to a user, as the user reads it: the API's message for its code (LAST_OWNER,
// OWNER_REQUIRED, EMAIL_TAKEN…) and, for a password the policy refuses, why and what would help
// (zxcvbn's warning and suggestions, by their stable keys).
import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/client";
import { ApiErrorMessage } from "../../ui/api-error";

interface PasswordRefusal {
  reason: string;
  minLength?: number;
  warning?: string;
  suggestions: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function passwordRefusal(error: unknown): PasswordRefusal | null {
  if (!(error instanceof ApiError) || error.code !== "WEAK_PASSWORD" || !isRecord(error.details)) return null;
  const { reason, minLength, warning, suggestions } = error.details;
  if (typeof reason !== "string") return null;
  return {
    reason,
    ...(typeof minLength === "number" ? { minLength } : {}),
    ...(typeof warning === "string" ? { warning } : {}),
    suggestions: Array.isArray(suggestions) ? suggestions.filter((item): item is string => typeof item === "string") : [],
  };
}

export function UserErrorMessage({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const refusal = passwordRefusal(error);
  if (!refusal) return <ApiErrorMessage error={error} />;
  const known = ["too_short", "same_as_email", "too_guessable"].includes(refusal.reason);
  const fallback = error instanceof Error ? error.message : "";
  const advice = [
    ...(refusal.warning ? [t(`users.passwordWarnings.${refusal.warning}`, { defaultValue: "" })] : []),
    ...refusal.suggestions.map((key) => t(`users.passwordSuggestions.${key}`, { defaultValue: "" })),
  ].filter((line) => line !== "");
  return (
    <div className="error" role="alert">
      <p>{known ? t(`users.passwordRefused.${refusal.reason}`, { minLength: refusal.minLength ?? "" }) : fallback}</p>
      {advice.length > 0 && (
        <ul>
          {advice.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
