// The bots' server state: lists, one bot, its live connection (REST, then WebSocket frames) and its QR.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { botConnectionKey, type BotConnectionView } from "../../live/live";

export const botsKey = ["bots", "list"] as const;
export const botKey = (botId: string) => ["bots", botId, "detail"] as const;

export function useBots() {
  return useQuery({ queryKey: botsKey, queryFn: async () => unwrap(await api.GET("/api/bots", { params: { query: { pageSize: 100 } } })) });
}

export function useBot(botId: string) {
  return useQuery({ queryKey: botKey(botId), queryFn: async () => unwrap(await api.GET("/api/bots/{botId}", { params: { path: { botId } } })) });
}

export function useBotConnection(botId: string) {
  return useQuery<BotConnectionView>({
    queryKey: botConnectionKey(botId),
    queryFn: async () => unwrap(await api.GET("/api/bots/{botId}/connection", { params: { path: { botId } } })),
    // Frames keep it fresh while the socket is live; a slow poll covers a socket that is not.
    refetchInterval: 30_000,
  });
}

/**
 * The QR PNG. It needs the Bearer token, so it is fetched (not linked) and shown from a Blob;
 * `version` (the QR payload) is in the key, so a new QR from a connection frame fetches a new image.
 */
export function useBotQrImage(botId: string, version: string | undefined, enabled: boolean) {
  return useQuery({
    queryKey: ["bots", botId, "qr", version ?? ""],
    enabled,
    staleTime: Infinity,
    gcTime: 0,
    queryFn: async () => {
      const answer = await api.GET("/api/bots/{botId}/connection/qr.png", { params: { path: { botId } }, parseAs: "blob" });
      return unwrap(answer);
    },
  });
}
