// The dashboard's one WebSocket to /ws: offers the "fleet.v1" subprotocol with the access token as
// "bearer.<token>" (never in the URL), parses every frame and hands it on, and reconnects with
// exponential backoff and jitter. A close for an expired token (4401) refreshes the session first.
// Delivery is at most once, so each (re)connection's "ready" tells the owner to reload over REST.
import type { components } from "../api/live-schema";

export type LiveFrame = components["schemas"]["DashboardServerMessage"];
export type LiveEvent = components["schemas"]["DashboardEvent"];
export type LiveConnection = components["schemas"]["DashboardConnection"];
export type LiveKpis = components["schemas"]["DashboardKpis"];

const PROTOCOL = "fleet.v1";
const CLOSE_UNAUTHENTICATED = 4401;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;

export type LiveStatus = "connecting" | "live" | "offline";

export interface LiveSocketOptions {
  token(): string | null;
  /** Gets a fresh access token after a 4401 close; false when the session is gone. */
  refresh(): Promise<boolean>;
  onFrame(frame: LiveFrame): void;
  onStatus(status: LiveStatus): void;
  url?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The frame when its shape is one the server documents; anything else is dropped. */
export function parseFrame(data: unknown): LiveFrame | null {
  if (typeof data !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  const str = (key: string) => typeof value[key] === "string";
  const strOrNull = (key: string) => value[key] === null || typeof value[key] === "string";
  switch (value["kind"]) {
    case "ready":
      return value["protocol"] === PROTOCOL ? { kind: "ready", protocol: PROTOCOL } : null;
    case "event":
      if (!str("id") || !str("type") || !str("occurredAt") || !strOrNull("botId") || !strOrNull("contact") || !isObject(value["attributes"])) return null;
      return value as LiveEvent;
    case "connection":
      return str("botId") && str("state") && str("at") ? (value as LiveConnection) : null;
    case "kpis":
      return str("at") && isObject(value["kpis"]) && typeof value["kpis"]["messagesIn"] === "number" ? (value as LiveKpis) : null;
    default:
      return null;
  }
}

/** Whether a JWT's `exp` has passed (or passes within `marginMs`); a token that cannot be read counts as expired. */
export function isExpired(token: string, nowMs: number, marginMs = 10_000): boolean {
  try {
    const payload: unknown = JSON.parse(atob((token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/")));
    return !isObject(payload) || typeof payload["exp"] !== "number" || payload["exp"] * 1000 <= nowMs + marginMs;
  } catch {
    return true;
  }
}

export function defaultLiveUrl(): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
}

/** Opens the socket and keeps it open until `close()` is called. */
export function openLiveSocket(options: LiveSocketOptions): { close(): void } {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const schedule = () => {
    if (closed) return;
    options.onStatus("offline");
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    timer = setTimeout(connect, delay);
  };

  function connect(): void {
    const token = options.token();
    if (closed || !token) return;
    // The upgrade of an expired token is refused before it becomes a socket (no 4401 to read).
    if (isExpired(token, Date.now())) {
      void options.refresh().then((ok) => (ok ? connect() : schedule()));
      return;
    }
    options.onStatus("connecting");
    const current = new WebSocket(options.url ?? defaultLiveUrl(), [PROTOCOL, `bearer.${token}`]);
    socket = current;
    current.onmessage = (message) => {
      const frame = parseFrame(message.data);
      if (!frame) return;
      if (frame.kind === "ready") {
        attempt = 0;
        options.onStatus("live");
      }
      options.onFrame(frame);
    };
    current.onclose = (event) => {
      if (socket !== current || closed) return;
      socket = null;
      if (event.code === CLOSE_UNAUTHENTICATED) {
        void options.refresh().then((ok) => (ok ? connect() : options.onStatus("offline")));
        return;
      }
      schedule();
    };
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close(1000);
      socket = null;
    },
  };
}
