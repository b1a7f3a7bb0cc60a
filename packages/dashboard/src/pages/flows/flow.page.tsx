// One flow: its versions (draft, active, older; who saved and activated them), the editor — the
// graph beside the JSON, validated by the API as it is typed, every problem listed with its path
// and shown at its place (the step's node, the editor's line) — saving the draft, activating a
// version after confirming, and the chat simulator. Viewers read and simulate; managers edit.
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { useBots } from "../bots/bots.queries";
import { FlowGraphView } from "./flow-graph";
import { flowGraph, stepOfPath, TRIGGERS_NODE, type FlowGraph } from "./flow-model";
import { FlowSimulator } from "./flow-simulator";
import { flowProblemsOf, useActivate, useFlow, useFlowVersion, useSaveDraft, useUserNames, useValidation, type Flow, type FlowProblem, type FlowVersionSummary, type SaveDraft } from "./flows.queries";
import { JsonEditor, type Reveal } from "./json-editor";
import { JsonSyntaxError, lineOf, locateJson, offsetOf, pointerToken, stepAt, type JsonLocations } from "./json-locations";
import "./flows.css";

const VALIDATE_DELAY_MS = 400;

function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}


/** The graph's node a problem is about: its step, or the triggers' node for /start and /triggers. */
function nodeOfPath(path: string): string | null {
  if (path === "/start" || path.startsWith("/triggers")) return TRIGGERS_NODE;
  return stepOfPath(path);
}

interface Parsed {
  definition: Record<string, unknown> | null;
  locations: JsonLocations | null;
  syntax: { message: string; line: number } | null;
}

function parse(text: string, notObject: string): Parsed {
  try {
    const locations = locateJson(text);
    const value: unknown = JSON.parse(text);
    if (!isRecord(value)) return { definition: null, locations, syntax: { message: notObject, line: 1 } };
    return { definition: value, locations, syntax: null };
  } catch (error) {
    const offset = error instanceof JsonSyntaxError ? error.offset : 0;
    return { definition: null, locations: null, syntax: { message: error instanceof Error ? error.message : String(error), line: lineOf(text, offset) } };
  }
}

interface ProblemListProps {
  problems: FlowProblem[];
  lineOfPath(path: string): number | null;
  onChoose(problem: FlowProblem): void;
}

function ProblemList({ problems, lineOfPath, onChoose }: ProblemListProps) {
  const { t } = useTranslation();
  return (
    <ul className="flow-problems">
      {problems.map((problem, index) => {
        const line = lineOfPath(problem.path);
        return (
          <li key={`${problem.path}:${problem.code}:${index}`}>
            <button type="button" className="problem" onClick={() => onChoose(problem)}>
              <code>{problem.path || "/"}</code>
              {line !== null && <span className="problem-line">{t("flows.line", { line })}</span>}
              <span>{problem.message}</span>
              {problem.code && <span className="problem-code">{problem.code}</span>}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function Versions({ flow, versions, open, onActivate }: { flow: Flow; versions: FlowVersionSummary[]; open: number; onActivate(version: number): void }) {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const names = useUserNames();
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: "short", timeStyle: "short" });
  const who = (id: string | null) => (id === null ? t("flows.system") : (names.get(id) ?? t("flows.someone")));
  const when = (at: string | null, by: string | null) => (at === null ? "—" : `${date.format(new Date(at))} · ${who(by)}`);
  return (
    // Focusable: at phone width the table scrolls sideways, also by keyboard.
    <div className="table-wrap" tabIndex={0} role="region" aria-label={t("flows.versions")}>
      <table className="flow-versions">
        <caption className="visually-hidden">{t("flows.versions")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("flows.version")}</th>
            <th scope="col">{t("flows.statusLabel")}</th>
            <th scope="col">{t("flows.saved")}</th>
            <th scope="col">{t("flows.activated")}</th>
            <th scope="col">
              <span className="visually-hidden">{t("flows.actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {versions.map((version) => (
            <tr key={version.version} aria-current={version.version === open ? "true" : undefined}>
              <th scope="row">v{version.version}</th>
              <td>
                <span className={`badge flow-status-${version.status}`}>{t(`flows.status.${version.status}`)}</span>
              </td>
              <td>{when(version.updatedAt, version.updatedBy ?? version.createdBy)}</td>
              <td>{when(version.activatedAt, version.activatedBy)}</td>
              <td className="row">
                {version.version === open ? (
                  <span className="help">{t("flows.opened")}</span>
                ) : (
                  <Link to={`/flows/${flow.id}?version=${version.version}`} aria-label={t("flows.openVersion", { version: version.version })}>
                    {t("flows.open")}
                  </Link>
                )}
                {can("flows:write") && version.status !== "active" && (
                  <button type="button" className="button secondary" onClick={() => onActivate(version.version)}>
                    {t("flows.activateVersion", { version: version.version })}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ConfirmActivate({ version, onConfirm, onCancel }: { version: number | null; onConfirm(): void; onCancel(): void }) {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (version !== null && !element.open) element.showModal();
    if (version === null && element.open) element.close();
  }, [version]);
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="activate-title" onClose={onCancel}>
      <h2 id="activate-title">{t("flows.confirmTitle", { version: version ?? "" })}</h2>
      <p>{t("flows.confirmText")}</p>
      <div className="row">
        <button type="button" className="button" onClick={onConfirm}>
          {t("flows.confirm")}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          {t("flows.cancel")}
        </button>
      </div>
    </dialog>
  );
}

interface EditorProps {
  flow: Flow;
  version: number;
  initialText: string;
  /** The save (kept by the page: the editor is replaced by the saved version's once it loads). */
  save: SaveDraft;
  /** The version the last save of this page stored, announced until the text changes again. */
  savedVersion: number | null;
}

function FlowEditor({ flow, version, initialText, save, savedVersion }: EditorProps) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const editable = can("flows:write");
  const [text, setText] = useState(initialText);
  const [selected, setSelected] = useState<string | null>(null);
  const [reveal, setReveal] = useState<Reveal | null>(null);

  const parsed = useMemo(() => parse(text, t("flows.notObject")), [text, t]);
  // The graph of the last text that parsed, so a typo does not blank it (state adjusted while rendering).
  const [graph, setGraph] = useState<FlowGraph>(() => flowGraph(parsed.definition));
  const [graphOf, setGraphOf] = useState(parsed.definition);
  if (parsed.definition !== null && parsed.definition !== graphOf) {
    setGraphOf(parsed.definition);
    setGraph(flowGraph(parsed.definition));
  }

  const settledText = useDebounced(text, VALIDATE_DELAY_MS);
  const settled = useMemo(() => parse(settledText, ""), [settledText]);
  const validation = useValidation(flow.id, settled.definition, settledText);
  const checking = text !== settledText || validation.isFetching;
  const problems: FlowProblem[] = parsed.syntax ? [] : (validation.data?.problems ?? []);

  const lineOfPath = (path: string) => (parsed.locations ? lineOf(text, offsetOf(parsed.locations, path)) : null);
  const problemLines = new Set<number>([...(parsed.syntax ? [parsed.syntax.line] : []), ...problems.flatMap((problem) => lineOfPath(problem.path) ?? [])]);
  const invalid = useMemo(() => new Set(problems.flatMap((problem) => nodeOfPath(problem.path) ?? [])), [problems]);

  const choose = (problem: FlowProblem) => {
    setSelected(nodeOfPath(problem.path));
    const line = lineOfPath(problem.path);
    if (line !== null) setReveal({ line, seq: Date.now(), focus: true });
  };
  const selectStep = (step: string) => {
    setSelected(step);
    const path = step === TRIGGERS_NODE ? "/triggers" : `/steps/${pointerToken(step)}`;
    const line = lineOfPath(path);
    if (line !== null && parsed.locations?.values.has(path)) setReveal({ line, seq: Date.now(), focus: false });
  };

  // The caret in a step's JSON selects its node (without moving the view when it already is selected).
  const followCaret = (offset: number) => {
    const step = parsed.locations ? stepAt(parsed.locations, offset) : null;
    if (step !== null && step !== selected) setSelected(step);
  };

  const dirty = text !== initialText;
  // Leaving the page (reload, closing the tab) with unsaved edits asks first.
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);
  const submit = () => {
    if (!parsed.definition) return;
    save.mutate({ definition: parsed.definition, expectedVersion: flow.latestVersion, expectedRevision: flow.revision });
  };
  const saveProblems = flowProblemsOf(save.error);

  return (
    <>
      <div className="flow-toolbar">
        <p className="flow-validity" role="status" data-testid="validity">
          {parsed.syntax
            ? t("flows.syntaxError")
            : checking
              ? t("flows.checking")
              : validation.error
                ? t("flows.notChecked")
                : problems.length === 0
                  ? `✓ ${t("flows.valid")}`
                  : t("flows.problemCount", { count: problems.length })}
          {dirty && <span className="flow-dirty"> · {t("flows.unsaved")}</span>}
        </p>
        {editable && (
          <button type="button" className="button" onClick={submit} disabled={!parsed.definition || save.isPending}>
            {save.isPending ? t("common.working") : t("flows.saveDraft")}
          </button>
        )}
      </div>
      {editable && <p className="help">{flow.latestVersion === flow.activeVersion ? t("flows.saveStartsVersion", { version: flow.latestVersion + 1 }) : t("flows.saveReplacesDraft", { version: flow.latestVersion })}</p>}
      <ApiErrorMessage error={save.error} />
      {saveProblems.length > 0 && <ProblemList problems={saveProblems} lineOfPath={lineOfPath} onChoose={choose} />}
      {savedVersion !== null && !dirty && <p role="status">{t("flows.savedAs", { version: savedVersion })}</p>}
      <div className="flow-workspace">
        <section className="flow-graph" aria-labelledby="graph-title">
          <h2 id="graph-title">{t("flows.graph.title")}</h2>
          {!parsed.definition && <p className="help">{t("flows.graph.stale")}</p>}
          <div className="flow-canvas">
            <FlowGraphView graph={graph} invalid={invalid} selected={selected} onSelect={selectStep} />
          </div>
        </section>
        <section className="flow-json" aria-labelledby="json-title">
          <h2 id="json-title">
            <label htmlFor="flow-json-text">{t("flows.json", { version })}</label>
          </h2>
          {!editable && <p className="help">{t("flows.readOnly")}</p>}
          <JsonEditor id="flow-json-text" value={text} onChange={setText} readOnly={!editable} problemLines={problemLines} reveal={reveal} onCaret={followCaret} describedBy="flow-problems-title" />
        </section>
      </div>
      <section aria-labelledby="flow-problems-title" className="flow-problems-panel">
        <h2 id="flow-problems-title">{t("flows.problems")}</h2>
        {parsed.syntax && (
          <ul className="flow-problems">
            <li>
              <button type="button" className="problem" onClick={() => setReveal({ line: parsed.syntax?.line ?? 1, seq: Date.now(), focus: true })}>
                <code>JSON</code>
                <span className="problem-line">{t("flows.line", { line: parsed.syntax.line })}</span>
                <span>{parsed.syntax.message}</span>
              </button>
            </li>
          </ul>
        )}
        <ApiErrorMessage error={validation.error} />
        {!parsed.syntax && problems.length === 0 && !checking && !validation.error && <p className="help">{t("flows.noProblems")}</p>}
        {problems.length > 0 && <ProblemList problems={problems} lineOfPath={lineOfPath} onChoose={choose} />}
      </section>
    </>
  );
}

export default function FlowPage() {
  const { t } = useTranslation();
  const { flowId = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const overview = useFlow(flowId);
  const bots = useBots();
  const activate = useActivate(flowId);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const save = useSaveDraft(flowId, (saved) => {
    setSavedVersion(saved);
    setSearch({ version: String(saved) });
  });

  const flow = overview.data?.flow;
  const requested = Number(search.get("version"));
  const open = Number.isInteger(requested) && requested > 0 ? requested : flow?.latestVersion;
  const document = useFlowVersion(flowId, open);
  const text = useMemo(() => (document.data ? JSON.stringify(document.data.definition, null, 2) : null), [document.data]);
  const activateProblems = flowProblemsOf(activate.error);

  const scope = flow ? (flow.botId === null ? t("flows.defaults") : t("flows.ofBot", { bot: bots.data?.bots.find((bot) => bot.id === flow.botId)?.displayName ?? flow.botId })) : "";
  const confirm = () => {
    if (confirming === null) return;
    const version = confirming;
    setConfirming(null);
    activate.mutate(version);
  };

  return (
    <section aria-labelledby="page-title" className="flow-page">
      <p>
        <Link to="/flows">← {t("flows.title")}</Link>
      </p>
      <h1 id="page-title">{flow?.name ?? t("flows.flow")}</h1>
      {overview.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={overview.error} />
      {flow && overview.data && (
        <>
          <p className="help">
            <code>{flow.slug}</code> · {t(`flows.kinds.${flow.kind}`)} · {scope} · {flow.activeVersion === null ? t("flows.inactive") : t("flows.runs", { version: flow.activeVersion })}
          </p>
          <h2>{t("flows.versions")}</h2>
          <Versions flow={flow} versions={overview.data.versions} open={open ?? 0} onActivate={setConfirming} />
          <ConfirmActivate version={confirming} onConfirm={confirm} onCancel={() => setConfirming(null)} />
          {activate.isPending && <p role="status">{t("common.working")}</p>}
          {activate.isSuccess && <p role="status">{t("flows.activatedNow", { version: activate.variables })}</p>}
          <ApiErrorMessage error={activate.error} />
          {activateProblems.length > 0 && (
            <ul className="flow-problems">
              {activateProblems.map((problem, index) => (
                <li key={`${problem.path}:${index}`}>
                  <code>{problem.path || "/"}</code> {problem.message}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {document.isPending && open !== undefined && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={document.error} />
      {flow && open !== undefined && text !== null && document.data && (
        <FlowEditor
          key={`${flowId}:${open}:${document.data.updatedAt}`}
          flow={flow}
          version={open}
          initialText={text}
          save={save}
          savedVersion={savedVersion}
        />
      )}
      {flow && open !== undefined && <FlowSimulator flowId={flowId} version={open} />}
    </section>
  );
}
