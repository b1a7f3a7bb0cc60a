// The shop's settings (hours, time zone, currency, language, tax, assignment timeout, catalogue
// link): everyone reads them, managers change them.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";
import type { paths } from "../../api/schema";

export type ShopSettings = Schemas["ShopSettings"];
export type DayHours = Schemas["DayHours"];
export type SettingsChanges = paths["/api/settings"]["patch"]["requestBody"]["content"]["application/json"];

export const settingsKey = ["settings"] as const;

export function useSettings() {
  return useQuery({ queryKey: settingsKey, queryFn: async () => unwrap(await api.GET("/api/settings")) });
}

export function useUpdateSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (changes: SettingsChanges) => unwrap(await api.PATCH("/api/settings", { body: changes })),
    onSuccess: (settings) => queryClient.setQueryData(settingsKey, settings),
  });
}
