// The conversations' server state: the stored event log (GET /api/analytics/events, the only history
// the API keeps: it needs the analytics storage) merged with the live socket's event frames, one
// contact's conversation state, and the staff's actions (pause, resume, reset, a manual message).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { ApiError, api, unwrap, type Schemas } from "../../api/client";
import { useLiveEvents } from "../../live/live";
import type { LiveEvent } from "../../live/live-socket";

/** How many stored events one history request reads (the API's page size limit). */
const HISTORY_LIMIT = 100;

/** The event types a thread shows: messages in and out, and what staff or the shop's phone did. */
const THREAD_TYPES: ReadonlySet<string> = new Set(["message.received", "message.sent", "conversation.paused", "conversation.resumed", "handoff.requested", "handoff.human_replied"]);

export type FeedDirection = "in" | "out" | "staff" | "note";

/** One line of a thread: a message in or out, a manual message sent from here, or a note (pause, hand-off). */
export interface FeedItem {
  id: string;
  botId: string;
  contact: string;
  type: string;
  direction: FeedDirection;
  text: string;
  /** The contact's name as WhatsApp gives it (messages in). */
  name: string | null;
  at: string;
}

export interface ContactSummary {
  contact: string;
  name: string | null;
  last: FeedItem;
}

type LoggedEvent = Schemas["AnalyticsLoggedEvent"];

const conversationKey = (botId: string, contact: string) => ["conversations", botId, contact, "state"] as const;
const historyKey = (botId: string, contact: string | null) => ["conversations", botId, contact ?? "", "history"] as const;

function text(attributes: LoggedEvent["attributes"], key: string): string | null {
  const value = attributes[key];
  return typeof value === "string" ? value : null;
}

/** The thread line of an event, or null for an event a thread does not show. */
export function feedItemOf(event: LiveEvent | LoggedEvent): FeedItem | null {
  if (!THREAD_TYPES.has(event.type) || !event.botId || !event.contact) return null;
  const direction: FeedDirection = event.type === "message.received" ? "in" : event.type === "message.sent" ? "out" : "note";
  return {
    id: event.id,
    botId: event.botId,
    contact: event.contact,
    type: event.type,
    direction,
    text: text(event.attributes, "text") ?? "",
    name: text(event.attributes, "name"),
    at: event.occurredAt,
  };
}

/** Whether the failure means "the API keeps no event history here" (no analytics storage). */
export function historyUnavailable(error: unknown): boolean {
  return error instanceof ApiError && error.status === 503;
}

/** The stored events of a bot (every contact's messages in) or of one contact (their whole thread). */
function useHistory(botId: string, contact: string | null) {
  return useQuery({
    queryKey: historyKey(botId, contact),
    enabled: botId !== "",
    retry: false,
    queryFn: async () =>
      unwrap(
        await api.GET("/api/analytics/events", {
          params: { query: contact ? { botId, contact, limit: HISTORY_LIMIT } : { botId, type: "message.received", limit: HISTORY_LIMIT } },
        }),
      ),
  });
}

/**
 * The feed of one bot: the stored history (when the API has it) and every live event frame seen
 * since the page opened (kept here, not only the live list's newest few), plus the manual messages
 * sent from this page (the fleet emits no event for them). Deduplicated by id, oldest first.
 */
export function useConversationFeed(botId: string, contact: string | null) {
  const live = useLiveEvents();
  const [seen, setSeen] = useState<ReadonlyMap<string, FeedItem>>(() => new Map());
  const botHistory = useHistory(botId, null);
  const contactHistory = useHistory(botId, contact);

  useEffect(() => {
    setSeen((known) => {
      let next: Map<string, FeedItem> | null = null;
      for (const event of live) {
        const item = feedItemOf(event);
        if (!item || known.has(item.id)) continue;
        next ??= new Map(known);
        next.set(item.id, item);
      }
      return next ?? known;
    });
  }, [live]);

  const addSent = (item: FeedItem) => setSeen((known) => new Map(known).set(item.id, item));

  const items = useMemo(() => {
    const all = new Map<string, FeedItem>();
    for (const event of [...(botHistory.data?.items ?? []), ...(contactHistory.data?.items ?? [])]) {
      const item = feedItemOf(event);
      if (item) all.set(item.id, item);
    }
    for (const item of seen.values()) all.set(item.id, item);
    return [...all.values()].filter((item) => item.botId === botId).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }, [botHistory.data, contactHistory.data, seen, botId]);

  const contacts = useMemo(() => {
    const byContact = new Map<string, ContactSummary>();
    for (const item of items) {
      if (item.direction === "note") continue;
      const known = byContact.get(item.contact);
      byContact.set(item.contact, { contact: item.contact, name: item.name ?? known?.name ?? null, last: item });
    }
    return [...byContact.values()].sort((a, b) => (a.last.at < b.last.at ? 1 : -1));
  }, [items]);

  const thread = useMemo(() => (contact ? items.filter((item) => item.contact === contact) : []), [items, contact]);
  const historyError = contact ? (contactHistory.error ?? botHistory.error) : botHistory.error;
  return { contacts, thread, addSent, historyError, historyLoading: botHistory.isPending || (contact !== null && contactHistory.isPending) };
}

/** The contact's conversation state (its step, a pause); null when the contact has none. */
export function useConversation(botId: string, contact: string) {
  return useQuery({
    queryKey: conversationKey(botId, contact),
    retry: false,
    queryFn: async () => {
      try {
        return unwrap(await api.GET("/api/bots/{botId}/conversations/{contact}", { params: { path: { botId, contact } } }));
      } catch (error) {
        if (error instanceof ApiError && error.code === "CONVERSATION_NOT_FOUND") return null;
        throw error;
      }
    },
  });
}

export function useConversationActions(botId: string, contact: string) {
  const queryClient = useQueryClient();
  const path = { params: { path: { botId, contact } } };
  const refresh = () => queryClient.invalidateQueries({ queryKey: conversationKey(botId, contact) });
  const pause = useMutation({
    mutationFn: async (minutes: number) => unwrap(await api.POST("/api/bots/{botId}/conversations/{contact}/pause", { ...path, body: { minutes } })),
    onSuccess: refresh,
  });
  const resume = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/bots/{botId}/conversations/{contact}/resume", path)),
    onSuccess: refresh,
  });
  const reset = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/api/bots/{botId}/conversations/{contact}", path)),
    onSuccess: refresh,
  });
  return { pause, resume, reset };
}

/** Sends a text as the shop; one idempotency key per message typed, so a retry never sends it twice. */
export function useSendMessage(botId: string) {
  return useMutation({
    mutationFn: async ({ to, text, key }: { to: string; text: string; key: string }) =>
      unwrap(await api.POST("/api/bots/{botId}/messages", { params: { path: { botId }, header: { "idempotency-key": key } }, body: { to, text } })),
  });
}
