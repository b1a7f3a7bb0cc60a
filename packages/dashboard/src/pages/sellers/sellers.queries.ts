// The sellers' server state: the list, one seller, their schedule, assignments of customers, and
// the changes (add, edit, status, schedule, release), each refreshing what it touched. `useOwnSeller`
// finds the seller linked to the signed-in user (an agent), so pages can show "yours".
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";
import type { paths } from "../../api/schema";
import { useAuth } from "../../auth/auth";

export type Seller = Schemas["Seller"];
export type SellerSchedule = Schemas["SellerSchedule"];
export type DayHours = Schemas["DayHours"];
export type NewSeller = paths["/api/sellers"]["post"]["requestBody"]["content"]["application/json"];
export type SellerChanges = paths["/api/sellers/{sellerId}"]["patch"]["requestBody"]["content"]["application/json"];

export const sellersKey = ["sellers"] as const;
const sellersListKey = ["sellers", "list"] as const;
export const sellerKey = (sellerId: string) => ["sellers", "detail", sellerId] as const;
const scheduleKey = (sellerId: string) => ["sellers", "schedule", sellerId] as const;
const assignmentsKey = ["sellers", "assignments"] as const;

export function useSellers() {
  return useQuery({ queryKey: sellersListKey, queryFn: async () => unwrap(await api.GET("/api/sellers", { params: { query: { limit: 100 } } })) });
}

/** The seller whose user is the signed-in one (an agent), if any. */
export function useOwnSeller(): Seller | undefined {
  const { me } = useAuth();
  const sellers = useSellers();
  return me ? sellers.data?.items.find((seller) => seller.userId === me.id) : undefined;
}

export function useSeller(sellerId: string) {
  return useQuery({ queryKey: sellerKey(sellerId), queryFn: async () => unwrap(await api.GET("/api/sellers/{sellerId}", { params: { path: { sellerId } } })) });
}

export function useSchedule(sellerId: string) {
  return useQuery({ queryKey: scheduleKey(sellerId), queryFn: async () => unwrap(await api.GET("/api/sellers/{sellerId}/schedule", { params: { path: { sellerId } } })) });
}

/** Open assignments, of one seller when named. */
export function useAssignments(sellerId: string | undefined, enabled = true) {
  return useQuery({
    queryKey: [...assignmentsKey, sellerId ?? "all"],
    enabled,
    queryFn: async () => unwrap(await api.GET("/api/sellers/assignments", { params: { query: { open: "true", limit: 100, ...(sellerId ? { sellerId } : {}) } } })),
  });
}

function useSellerChanged() {
  const queryClient = useQueryClient();
  return async (seller: Seller) => {
    queryClient.setQueryData(sellerKey(seller.id), seller);
    await queryClient.invalidateQueries({ queryKey: sellersListKey });
  };
}

export function useCreateSeller() {
  const changed = useSellerChanged();
  return useMutation({ mutationFn: async (body: NewSeller) => unwrap(await api.POST("/api/sellers", { body })), onSuccess: changed });
}

export function useUpdateSeller(sellerId: string) {
  const changed = useSellerChanged();
  return useMutation({
    mutationFn: async (body: SellerChanges) => unwrap(await api.PATCH("/api/sellers/{sellerId}", { params: { path: { sellerId } }, body })),
    onSuccess: changed,
  });
}

export function usePutSchedule(sellerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: SellerSchedule) => unwrap(await api.PUT("/api/sellers/{sellerId}/schedule", { params: { path: { sellerId } }, body })),
    onSuccess: async (schedule) => {
      queryClient.setQueryData(scheduleKey(sellerId), schedule);
      // Whether the seller is on duty now depends on the schedule.
      await queryClient.invalidateQueries({ queryKey: sellersKey, predicate: (query) => query.queryKey[1] !== "schedule" });
    },
  });
}

export function useReleaseAssignment() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (assignmentId: string) => unwrap(await api.POST("/api/sellers/assignments/{assignmentId}/release", { params: { path: { assignmentId } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: sellersKey });
      await queryClient.invalidateQueries({ queryKey: ["customers"] });
    },
  });
}
