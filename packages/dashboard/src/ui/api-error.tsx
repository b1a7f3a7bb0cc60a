// How a failed call reads to the user: the API's message for its stable code, with the fields a
// VALIDATION_FAILED names; announced to screen readers as it appears.
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";

interface FieldProblem {
  path: string;
  message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The per-field problems of a VALIDATION_FAILED answer, whatever its details' exact shape. */
function fieldProblems(details: unknown): FieldProblem[] {
  const list = Array.isArray(details) ? details : isRecord(details) && Array.isArray(details["issues"]) ? details["issues"] : [];
  return list.flatMap((issue: unknown) => {
    if (!isRecord(issue) || typeof issue["message"] !== "string") return [];
    const path = Array.isArray(issue["path"]) ? issue["path"].join(".") : typeof issue["path"] === "string" ? issue["path"] : "";
    return [{ path, message: issue["message"] }];
  });
}

export function ApiErrorMessage({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const known = error instanceof ApiError;
  const text = known ? t(`errors.${error.code}`, { defaultValue: error.message }) : t("errors.network");
  const problems = known ? fieldProblems(error.details) : [];
  return (
    <div className="error" role="alert">
      <p>{text}</p>
      {problems.length > 0 && (
        <ul>
          {problems.map((problem) => (
            <li key={`${problem.path}:${problem.message}`}>
              {problem.path && <code>{problem.path}</code>} {problem.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
