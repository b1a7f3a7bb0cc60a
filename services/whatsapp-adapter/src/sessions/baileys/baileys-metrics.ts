// The Baileys sessions this replica runs, as Prometheus reads them at each
// scrape: adapter_baileys_sessions{state} (the states of the live connection
// feed, every one present, 0 when none) and adapter_baileys_owned_bots (the
// bots whose lease this replica holds). Summed over replicas they count each
// bot once, since one replica owns it. The dashboard's "Baileys sessions by
// state" and the alert FleetBaileysSessionNeedsLink read the first.
import { Gauge, type Registry } from "prom-client";
import { LINK_STATES, type LinkState } from "../connection-updates.js";
import type { BaileysOwnership } from "./baileys-ownership.js";
import type { BaileysSessions } from "./baileys-sessions.js";

export interface BaileysMetricsSources {
  sessions: Pick<BaileysSessions, "botIds" | "view">;
  ownership: Pick<BaileysOwnership, "count">;
}

export function registerBaileysMetrics(registry: Registry, { sessions, ownership }: BaileysMetricsSources): void {
  const registers = [registry];
  new Gauge({
    name: "adapter_baileys_sessions",
    help: "Baileys (WhatsApp Web) sessions this replica runs, by link state: connected, connecting, awaiting_pairing, needs_link, disconnected.",
    labelNames: ["state"] as const,
    registers,
    collect() {
      const counts = new Map<LinkState, number>(LINK_STATES.map((state) => [state, 0]));
      for (const botId of sessions.botIds()) {
        const state = sessions.view(botId)?.state;
        if (state) counts.set(state, (counts.get(state) ?? 0) + 1);
      }
      for (const [state, count] of counts) this.set({ state }, count);
    },
  });
  new Gauge({
    name: "adapter_baileys_owned_bots",
    help: "Baileys bots whose session lease this replica holds.",
    registers,
    collect() {
      this.set(ownership.count);
    },
  });
}
