// Wires the live socket into the app's server state while someone is signed in: connection frames
// update the bot's connection query, kpis frames the 24-hour KPIs query, event frames feed the
// live list; each "ready" after a reconnect reloads everything over REST (delivery is at most once).
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import type { Schemas } from "../api/client";
import { accessToken, onAccessTokenChange, refreshSession } from "../auth/session";
import { openLiveSocket, type LiveConnection, type LiveEvent, type LiveFrame, type LiveStatus } from "./live-socket";

/** The newest events kept for the live list. */
const MAX_EVENTS = 50;

export const botConnectionKey = (botId: string) => ["bots", botId, "connection"] as const;
export const metricsKey = (range: "24h" | "7d" | "30d") => ["analytics", "metrics", range] as const;

/** The bot's connection as the page shows it: the REST answer, updated by frames (`at` orders them). */
export type BotConnectionView = Schemas["BotConnection"] & { at?: string };

function createEventStore() {
  let events: LiveEvent[] = [];
  const listeners = new Set<() => void>();
  return {
    add(event: LiveEvent) {
      if (events.some((known) => known.id === event.id)) return;
      events = [event, ...events].slice(0, MAX_EVENTS);
      for (const listener of listeners) listener();
    },
    clear() {
      events = [];
      for (const listener of listeners) listener();
    },
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    snapshot: () => events,
  };
}

type EventStore = ReturnType<typeof createEventStore>;

interface Live {
  status: LiveStatus;
  events: EventStore;
}

const LiveContext = createContext<Live | null>(null);

export function applyFrame(queryClient: QueryClient, events: EventStore, frame: LiveFrame, reconnected: boolean): void {
  switch (frame.kind) {
    case "ready":
      if (reconnected) void queryClient.invalidateQueries();
      return;
    case "connection":
      queryClient.setQueryData<BotConnectionView>(botConnectionKey(frame.botId), (known) => connectionFromFrame(known, frame));
      return;
    case "kpis":
      queryClient.setQueryData(metricsKey("24h"), frame.kpis);
      return;
    case "event":
      events.add(frame);
      return;
  }
}

function connectionFromFrame(known: BotConnectionView | undefined, frame: LiveConnection): BotConnectionView | undefined {
  if (known?.at && known.at > frame.at) return known;
  return {
    state: frame.state,
    provider: known?.provider ?? null,
    ...(frame.qr ? { qr: frame.qr } : {}),
    ...(frame.pairingCode ? { pairingCode: frame.pairingCode } : {}),
    ...(frame.detail ? { detail: frame.detail } : {}),
    at: frame.at,
  };
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const token = useSyncExternalStore(onAccessTokenChange, accessToken);
  const signedIn = token !== null;
  const [status, setStatus] = useState<LiveStatus>("offline");
  const events = useRef<EventStore>(createEventStore()).current;

  useEffect(() => {
    if (!signedIn) return;
    let readyCount = 0;
    const socket = openLiveSocket({
      token: accessToken,
      refresh: refreshSession,
      onStatus: setStatus,
      onFrame: (frame) => {
        if (frame.kind === "ready") readyCount += 1;
        applyFrame(queryClient, events, frame, readyCount > 1);
      },
    });
    return () => {
      socket.close();
      events.clear();
      setStatus("offline");
    };
  }, [signedIn, queryClient, events]);

  return <LiveContext.Provider value={{ status, events }}>{children}</LiveContext.Provider>;
}

function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error("useLive outside LiveProvider");
  return live;
}

export function useLiveStatus(): LiveStatus {
  return useLive().status;
}

/** The newest live events, newest first. */
export function useLiveEvents(): readonly LiveEvent[] {
  const { events } = useLive();
  return useSyncExternalStore(events.subscribe, events.snapshot);
}
