// The CSV import in two steps: a file is checked first (a dry run: every bad row with its line
// number, nothing written), then imported on confirmation, all rows or none (docs/catalogue.md).
import { useId, useState, type ChangeEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { useImportCsv, type ImportReport } from "./catalogue.queries";

/** Larger files are refused by the API (413): said here before reading them. */
const MAX_BYTES = 8 * 1024 * 1024;
const COLUMNS = "sku,name,description,category,material,price,cost,currency,stock,stock_min,stock_max,active,keywords,image_urls,variant_of,size,colour";

function Report({ report, title }: { report: ImportReport; title: string }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <section aria-labelledby={`${id}-title`} className="card" data-testid="import-report">
      <h2 id={`${id}-title`}>{title}</h2>
      <p role="status">{t("catalogue.reportCounts", { rows: report.rows, created: report.created, updated: report.updated })}</p>
      {report.errors.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>{t("catalogue.problems", { count: report.errors.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("catalogue.line")}</th>
                <th scope="col">{t("catalogue.column")}</th>
                <th scope="col">{t("catalogue.problem")}</th>
              </tr>
            </thead>
            <tbody>
              {report.errors.map((problem, index) => (
                <tr key={`${problem.line}:${problem.column ?? ""}:${index}`}>
                  <td>{problem.line}</td>
                  <td>{problem.column ? <code>{problem.column}</code> : "—"}</td>
                  <td>
                    <code>{problem.code}</code> {problem.message}
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

export default function CatalogueImportPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const id = useId();
  const check = useImportCsv();
  const commit = useImportCsv();
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  if (!can("products:write")) return <Navigate to="/catalogue" replace />;

  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0];
    check.reset();
    commit.reset();
    setFile(null);
    setFileError(null);
    if (!chosen) return;
    if (chosen.size > MAX_BYTES) {
      setFileError(t("catalogue.tooLarge"));
      return;
    }
    const text = await chosen.text();
    setFile({ name: chosen.name, text });
    // The dry run starts as soon as a file is chosen: its report is the first thing to read.
    check.mutate({ csv: text, dryRun: true });
  };
  const checked = check.data;
  const imported = commit.data;

  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to="/catalogue">← {t("catalogue.title")}</Link>
      </p>
      <h1 id="page-title">{t("catalogue.importTitle")}</h1>
      <p className="help">{t("catalogue.importHelp")}</p>
      <p className="help">
        {t("catalogue.columns")} <code className="wrap">{COLUMNS}</code>
      </p>
      <div className="form">
        <label>
          {t("catalogue.file")}
          <input id={`${id}-file`} type="file" accept=".csv,text/csv" onChange={(event) => void choose(event)} />
        </label>
      </div>
      {fileError && (
        <p className="error" role="alert">
          {fileError}
        </p>
      )}
      {check.isPending && <p role="status">{t("catalogue.checking")}</p>}
      <ApiErrorMessage error={check.error} />
      {checked && !imported && <Report report={checked} title={checked.ok ? t("catalogue.checkOk", { name: file?.name ?? "" }) : t("catalogue.checkBad", { name: file?.name ?? "" })} />}
      {checked && !checked.ok && <p className="notice">{t("catalogue.fixAndRetry")}</p>}
      {checked?.ok && file && !imported && (
        <div className="row">
          <button type="button" className="button" disabled={commit.isPending} onClick={() => commit.mutate({ csv: file.text, dryRun: false })}>
            {commit.isPending ? t("common.working") : t("catalogue.confirmImport", { rows: checked.rows })}
          </button>
        </div>
      )}
      <ApiErrorMessage error={commit.error} />
      {imported && <Report report={imported} title={imported.ok ? t("catalogue.imported") : t("catalogue.importRefused")} />}
      {imported?.ok && (
        <p>
          <Link to="/catalogue">{t("catalogue.backToList")}</Link>
        </p>
      )}
    </section>
  );
}
