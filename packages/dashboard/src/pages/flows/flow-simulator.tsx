// The chat simulator: the user plays the customer against a stored version of the flow. The API's
// simulation is a script run from the start each time (a virtual clock, nothing sent), so the panel
// keeps the script — typed texts, tapped buttons and list rows, time fast-forwarded to the pending
// timer — and shows the whole conversation the latest run gave back.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiErrorMessage } from "../../ui/api-error";
import { flowProblemsOf, useSimulation, type BotReply, type FlowSimulation, type SimulatedInput } from "./flows.queries";

/** The API runs at most this many inputs per simulation. */
const MAX_INPUTS = 50;
const MAX_ADVANCE_SECONDS = 7 * 24 * 3600;

function Reply({ reply, onChoose, disabled }: { reply: BotReply; onChoose(id: string, title: string): void; disabled: boolean }) {
  const { t } = useTranslation();
  switch (reply.type) {
    case "text":
      return <p className="sim-text">{reply.body}</p>;
    case "media":
      return (
        <p className="sim-media">
          <span className="sim-media-kind">[{t(`flows.sim.media.${reply.kind}`)}]</span> {reply.filename ?? reply.url}
          {reply.caption && <span className="sim-caption">{reply.caption}</span>}
        </p>
      );
    case "buttons":
      return (
        <div>
          {reply.header && <p className="sim-header">{reply.header}</p>}
          <p className="sim-text">{reply.body}</p>
          {reply.footer && <p className="sim-footer">{reply.footer}</p>}
          <div className="sim-choices" role="group" aria-label={t("flows.sim.choices")}>
            {reply.buttons.map((button) => (
              <button key={button.id} type="button" className="button secondary" disabled={disabled} onClick={() => onChoose(button.id, button.title)}>
                {button.title}
              </button>
            ))}
          </div>
        </div>
      );
    case "list":
      return (
        <div>
          {reply.header && <p className="sim-header">{reply.header}</p>}
          <p className="sim-text">{reply.body}</p>
          {reply.footer && <p className="sim-footer">{reply.footer}</p>}
          <p className="sim-list-button">☰ {reply.button}</p>
          {reply.sections.map((section, index) => (
            <div key={`${section.title ?? ""}-${index}`} className="sim-choices" role="group" aria-label={section.title ?? reply.button}>
              {section.title && <p className="sim-section">{section.title}</p>}
              {section.rows.map((row) => (
                <button key={row.id} type="button" className="button secondary sim-row" disabled={disabled} onClick={() => onChoose(row.id, row.title)}>
                  {row.title}
                  {row.description && <span className="sim-row-description">{row.description}</span>}
                </button>
              ))}
            </div>
          ))}
        </div>
      );
  }
}

/** Seconds from the end of the script's virtual time to the pending timer, plus a margin. */
function secondsToTimer(result: FlowSimulation, sentAt: number, advanced: number): number | null {
  const timer = result.timers[0];
  if (!timer) return null;
  // The server's virtual clock started when the request arrived; a second of margin for the trip.
  const seconds = Math.ceil((Date.parse(timer.dueAt) - sentAt) / 1000) - advanced + 1;
  return Math.min(MAX_ADVANCE_SECONDS, Math.max(1, seconds));
}

function inputLabel(input: SimulatedInput): string {
  if ("text" in input) return input.text;
  if ("payload" in input) return input.title ?? input.payload;
  return "";
}

export function FlowSimulator({ flowId, version }: { flowId: string; version: number }) {
  const { t } = useTranslation();
  const inputId = useId();
  const simulation = useSimulation(flowId);
  const [script, setScript] = useState<SimulatedInput[]>([]);
  const [text, setText] = useState("");
  const [sentAt, setSentAt] = useState(0);
  const log = useRef<HTMLOListElement>(null);
  const { reset: resetSimulation, mutate: simulate } = simulation;

  // Another version: the conversation starts over.
  useEffect(() => {
    setScript([]);
    resetSimulation();
  }, [flowId, version, resetSimulation]);

  useEffect(() => {
    log.current?.lastElementChild?.scrollIntoView({ block: "nearest" });
  }, [simulation.data]);

  const run = (next: SimulatedInput[]) => {
    setScript(next);
    setSentAt(Date.now());
    simulate({ version, inputs: next });
  };
  const push = (input: SimulatedInput) => {
    if (script.length >= MAX_INPUTS) return;
    run([...script, input]);
  };
  const send = (event: FormEvent) => {
    event.preventDefault();
    const message = text.trim();
    if (!message) return;
    setText("");
    push({ text: message });
  };
  const reset = () => {
    setScript([]);
    resetSimulation();
  };

  const result = simulation.data;
  const advanced = script.reduce((sum, input) => sum + ("advanceSeconds" in input ? input.advanceSeconds : 0), 0);
  const toTimer = result ? secondsToTimer(result, sentAt, advanced) : null;
  const full = script.length >= MAX_INPUTS;
  const busy = simulation.isPending;
  // Only the last turn's choices may be tapped: earlier ones belong to steps already left.
  const lastTurn = result ? result.turns.length - 1 : -1;
  // The API names a tap "[<id>]"; it shows as the title tapped.
  const taps = new Map<string, string>(script.flatMap((input) => ("payload" in input ? [[`[${input.payload}]`, inputLabel(input)] as const] : [])));

  return (
    <section className="simulator" aria-labelledby="sim-title">
      <h2 id="sim-title">{t("flows.sim.title")}</h2>
      <p className="help">{t("flows.sim.help", { version })}</p>
      <ol className="sim-log" ref={log} aria-live="polite" aria-label={t("flows.sim.conversation")}>
        {result?.turns.map((turn, index) => {
          const timer = turn.input.startsWith("timer:");
          return (
            <li key={index} className="sim-turn">
              {timer ? (
                <p className="sim-timer">⏱ {t("flows.sim.timerFired")}</p>
              ) : (
                <p className="sim-bubble sim-customer">
                  <span className="visually-hidden">{t("flows.sim.you")}: </span>
                  {taps.get(turn.input) ?? turn.input}
                </p>
              )}
              {turn.replies.map((reply, replyIndex) => (
                <div key={replyIndex} className="sim-bubble sim-bot">
                  <span className="visually-hidden">{t("flows.sim.bot")}: </span>
                  <Reply reply={reply} disabled={busy || full || index !== lastTurn} onChoose={(id, title) => push({ payload: id, title: title.slice(0, 100) })} />
                </div>
              ))}
              {turn.replies.length === 0 && <p className="sim-silent">{t("flows.sim.noReply")}</p>}
            </li>
          );
        })}
      </ol>
      {busy && <p role="status">{t("flows.sim.running")}</p>}
      <ApiErrorMessage error={simulation.error} />
      {flowProblemsOf(simulation.error).length > 0 && (
        <ul className="flow-problems">
          {flowProblemsOf(simulation.error).map((problem, index) => (
            <li key={`${problem.path}:${index}`}>
              <code>{problem.path || "/"}</code> {problem.message}
            </li>
          ))}
        </ul>
      )}
      {result && (
        <p className="help sim-state" data-testid="sim-state">
          {result.step === null ? t("flows.sim.ended") : t("flows.sim.waitsAt", { step: result.step })}
          {result.paused && ` · ${t("flows.sim.paused")}`}
        </p>
      )}
      {full && <p className="notice">{t("flows.sim.full", { max: MAX_INPUTS })}</p>}
      <form className="sim-form" onSubmit={send}>
        <label htmlFor={inputId} className="visually-hidden">
          {t("flows.sim.message")}
        </label>
        <input id={inputId} value={text} onChange={(event) => setText(event.target.value)} maxLength={4096} placeholder={t("flows.sim.placeholder")} disabled={full} autoComplete="off" />
        <button type="submit" className="button" disabled={busy || full || text.trim() === ""}>
          {t("flows.sim.send")}
        </button>
      </form>
      <div className="row sim-actions">
        {toTimer !== null && (
          <button type="button" className="button secondary" disabled={busy || full} onClick={() => push({ advanceSeconds: toTimer })}>
            {t("flows.sim.fastForward", { seconds: toTimer })}
          </button>
        )}
        <button type="button" className="button secondary" onClick={reset} disabled={script.length === 0}>
          {t("flows.sim.reset")}
        </button>
      </div>
      {result && Object.keys(result.variables).length > 0 && (
        <details className="sim-variables">
          <summary>{t("flows.sim.variables")}</summary>
          <pre>{JSON.stringify(result.variables, null, 2)}</pre>
        </details>
      )}
    </section>
  );
}
