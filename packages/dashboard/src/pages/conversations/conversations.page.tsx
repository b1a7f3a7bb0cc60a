// Conversations, live: per bot, the contacts who wrote with their last message, and one contact's
// thread as messages come in and go out (WebSocket event frames over the stored event log, when
// the fleet keeps one); staff pause or resume the bot for the contact and answer as the shop.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { useAuth } from "../../auth/auth";
import { useLiveStatus } from "../../live/live";
import { ApiErrorMessage } from "../../ui/api-error";
import { useBots } from "../bots/bots.queries";
import { historyUnavailable, useConversation, useConversationActions, useConversationFeed, useSendMessage, type ContactSummary, type FeedItem } from "./conversations.queries";

const CONTACT_PATTERN = "[A-Za-z0-9@._:+\\-]{3,128}";

function time(at: string, language: string): string {
  const date = new Date(at);
  const today = new Date().toDateString() === date.toDateString();
  return new Intl.DateTimeFormat(language, today ? { timeStyle: "short" } : { dateStyle: "short", timeStyle: "short" }).format(date);
}

function ContactList({ contacts, selected, onSelect }: { contacts: readonly ContactSummary[]; selected: string | null; onSelect(contact: string): void }) {
  const { t, i18n } = useTranslation();
  if (contacts.length === 0) return <p className="notice">{t("conversations.noContacts")}</p>;
  return (
    <ul className="contact-list">
      {contacts.map((summary) => (
        <li key={summary.contact}>
          <button type="button" aria-current={summary.contact === selected ? "true" : undefined} onClick={() => onSelect(summary.contact)}>
            <span className="contact-name">{summary.name ?? summary.contact}</span>
            {summary.name && <span className="help"> {summary.contact}</span>}
            <span className="contact-last">
              {t(`conversations.direction.${summary.last.direction}`)}: {summary.last.text || t("conversations.noText")}
            </span>
            <time dateTime={summary.last.at} className="help">
              {time(summary.last.at, i18n.language)}
            </time>
          </button>
        </li>
      ))}
    </ul>
  );
}

function ThreadLine({ item }: { item: FeedItem }) {
  const { t, i18n } = useTranslation();
  if (item.direction === "note") {
    return (
      <li className="thread-note">
        {t(`conversations.notes.${item.type}`, { defaultValue: item.type })} · <time dateTime={item.at}>{time(item.at, i18n.language)}</time>
      </li>
    );
  }
  return (
    <li className={`bubble bubble-${item.direction}`}>
      <span className="bubble-who">{t(`conversations.direction.${item.direction}`)}</span>
      <p>{item.text || t("conversations.noText")}</p>
      <time dateTime={item.at} className="help">
        {time(item.at, i18n.language)}
      </time>
    </li>
  );
}

/** The thread, kept scrolled to its newest message as messages arrive (focusable: it scrolls). */
function Thread({ items }: { items: readonly FeedItem[] }) {
  const { t } = useTranslation();
  const list = useRef<HTMLOListElement>(null);
  const newest = items.at(-1)?.id;
  useEffect(() => {
    const element = list.current;
    if (element && newest) element.scrollTop = element.scrollHeight;
  }, [newest]);
  return (
    <ol ref={list} className="thread" aria-live="polite" aria-label={t("conversations.thread")} tabIndex={0}>
      {items.map((item) => (
        <ThreadLine key={item.id} item={item} />
      ))}
    </ol>
  );
}

function ConversationState({ botId, contact, lastNote }: { botId: string; contact: string; lastNote: string | undefined }) {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const id = useId();
  const conversation = useConversation(botId, contact);
  const { pause, resume, reset } = useConversationActions(botId, contact);
  const [minutes, setMinutes] = useState("60");
  const pausedUntil = conversation.data?.pausedUntil ?? null;
  const paused = pausedUntil !== null && new Date(pausedUntil).getTime() > Date.now();
  const { refetch } = conversation;

  // A pause or resume reaches the thread as a note once the orchestrator applied it: the state follows.
  useEffect(() => {
    if (lastNote) void refetch();
  }, [lastNote, refetch]);

  const submitPause = (event: FormEvent) => {
    event.preventDefault();
    pause.mutate(Number(minutes), { onSuccess: () => resume.reset() });
  };
  const confirmReset = () => {
    if (window.confirm(t("conversations.resetConfirm"))) reset.mutate();
  };

  return (
    <div className="conversation-state">
      {conversation.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={conversation.error} />
      {conversation.data === null && <p className="help">{t("conversations.noState")}</p>}
      {conversation.data && (
        <p data-testid="conversation-state">
          {paused ? t("conversations.pausedUntil", { until: time(pausedUntil, i18n.language) }) : t("conversations.botActive")}
          {conversation.data.step && <span className="help"> · {t("conversations.step", { step: conversation.data.step })}</span>}
        </p>
      )}
      {pause.data && <p role="status">{t("conversations.pauseQueued", { until: time(pause.data.pausedUntil, i18n.language) })}</p>}
      {resume.isSuccess && <p role="status">{t("conversations.resumeQueued")}</p>}
      {can("conversations:resume") && (
        <form className="row align-end" onSubmit={submitPause}>
          <div className="field">
            <label htmlFor={`${id}-minutes`}>{t("conversations.minutes")}</label>
            <input id={`${id}-minutes`} type="number" inputMode="numeric" min={1} max={10080} required value={minutes} onChange={(event) => setMinutes(event.target.value)} />
          </div>
          <button type="submit" className="button" disabled={pause.isPending}>
            {t("conversations.pause")}
          </button>
          <button type="button" className="button secondary" disabled={resume.isPending} onClick={() => resume.mutate(undefined, { onSuccess: () => pause.reset() })}>
            {t("conversations.resume")}
          </button>
          {can("conversations:write") && (
            <button type="button" className="button secondary" disabled={reset.isPending} onClick={confirmReset}>
              {t("conversations.reset")}
            </button>
          )}
        </form>
      )}
      <ApiErrorMessage error={pause.error ?? resume.error ?? reset.error} />
    </div>
  );
}

function ManualMessage({ botId, contact, onSent }: { botId: string; contact: string; onSent(item: FeedItem): void }) {
  const { t } = useTranslation();
  const send = useSendMessage(botId);
  const [text, setText] = useState("");
  // A new key per message typed: a retry of the same message replays it instead of sending it twice.
  const [key, setKey] = useState(() => crypto.randomUUID());
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = text.trim();
    if (!body) return;
    send.mutate(
      { to: contact, text: body, key },
      {
        onSuccess: (sent) => {
          onSent({ id: `manual:${sent.providerMessageId}`, botId, contact, type: "manual", direction: "staff", text: body, name: null, at: new Date().toISOString() });
          setText("");
          setKey(crypto.randomUUID());
        },
      },
    );
  };
  return (
    <form className="form wide manual-message" onSubmit={submit}>
      <label>
        {t("conversations.message")}
        <textarea name="text" required maxLength={4096} rows={3} value={text} onChange={(event) => setText(event.target.value)} />
      </label>
      <p className="help">{t("conversations.messageHelp")}</p>
      <ApiErrorMessage error={send.error} />
      <div className="row">
        <button type="submit" className="button" disabled={send.isPending}>
          {send.isPending ? t("common.working") : t("conversations.send")}
        </button>
      </div>
    </form>
  );
}

export default function ConversationsPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const live = useLiveStatus();
  const bots = useBots();
  const [params, setParams] = useSearchParams();
  const firstBot = bots.data?.bots[0]?.id ?? "";
  const botId = params.get("bot") ?? firstBot;
  const contact = params.get("contact");
  const feed = useConversationFeed(botId, contact);
  const [typed, setTyped] = useState("");
  const id = useId();
  const lastNote = feed.thread.filter((item) => item.direction === "note").at(-1)?.id;

  const choose = (next: { bot?: string; contact?: string | null }) => {
    const search = new URLSearchParams();
    search.set("bot", next.bot ?? botId);
    const nextContact = next.contact === undefined ? contact : next.contact;
    if (nextContact) search.set("contact", nextContact);
    setParams(search);
  };
  const open = (event: FormEvent) => {
    event.preventDefault();
    if (typed.trim()) choose({ contact: typed.trim() });
  };
  const selected = feed.contacts.find((summary) => summary.contact === contact);

  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t("conversations.title")}</h1>
      </div>
      {bots.isPending && <p role="status">{t("common.loading")}</p>}
      <ApiErrorMessage error={bots.error} />
      {bots.data && bots.data.bots.length === 0 && <p className="notice">{t("conversations.noBots")}</p>}
      {bots.data && bots.data.bots.length > 0 && (
        <>
          <div className="row align-end">
            <div className="field">
              <label htmlFor={`${id}-bot`}>{t("conversations.bot")}</label>
              <select id={`${id}-bot`} value={botId} onChange={(event) => choose({ bot: event.target.value, contact: null })}>
                {bots.data.bots.map((bot) => (
                  <option key={bot.id} value={bot.id}>
                    {bot.displayName}
                  </option>
                ))}
              </select>
            </div>
            <form className="row align-end" onSubmit={open}>
              <div className="field">
                <label htmlFor={`${id}-contact`}>{t("conversations.openContact")}</label>
                <input id={`${id}-contact`} inputMode="tel" pattern={CONTACT_PATTERN} value={typed} onChange={(event) => setTyped(event.target.value)} />
              </div>
              <button type="submit" className="button secondary">
                {t("conversations.open")}
              </button>
            </form>
          </div>
          {live !== "live" && <p className="notice">{t("conversations.offline")}</p>}
          {historyUnavailable(feed.historyError) ? <p className="notice">{t("conversations.noHistory")}</p> : <ApiErrorMessage error={feed.historyError} />}
          <div className="conversations">
            <section aria-labelledby={`${id}-contacts`} className="contacts-panel">
              <h2 id={`${id}-contacts`}>{t("conversations.contacts")}</h2>
              <div aria-live="polite">
                <ContactList contacts={feed.contacts} selected={contact} onSelect={(next) => choose({ contact: next })} />
              </div>
            </section>
            <section aria-labelledby={`${id}-thread`} className="thread-panel">
              {contact ? (
                <>
                  <h2 id={`${id}-thread`}>{selected?.name ? `${selected.name} (${contact})` : contact}</h2>
                  {can("conversations:read") && <ConversationState key={`${botId}:${contact}`} botId={botId} contact={contact} lastNote={lastNote} />}
                  {feed.thread.length === 0 ? (
                    <p className="notice">{t("conversations.emptyThread")}</p>
                  ) : (
                    <Thread items={feed.thread} />
                  )}
                  {can("messages:send") && <ManualMessage key={`${botId}:${contact}`} botId={botId} contact={contact} onSent={feed.addSent} />}
                </>
              ) : (
                <>
                  <h2 id={`${id}-thread`}>{t("conversations.thread")}</h2>
                  <p className="notice">{t("conversations.pick")}</p>
                </>
              )}
            </section>
          </div>
        </>
      )}
    </section>
  );
}
