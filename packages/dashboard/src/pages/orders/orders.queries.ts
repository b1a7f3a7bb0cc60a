// The orders' server state: pages of orders (by status, by customer), one order, and the changes a
// seller makes (take an order, move it to its next status, record a payment), each refreshing the
// lists and the order it touched.
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";
import type { paths } from "../../api/schema";

export type Order = Schemas["Order"];
export type OrderDetail = Schemas["OrderDetail"];
export type OrderStatus = Schemas["OrderStatus"];

export const ORDER_STATUSES: readonly OrderStatus[] = ["pending", "confirmed", "in_process", "packed", "ready", "on_the_way", "delivered", "cancelled"];

export const ordersKey = ["orders"] as const;
export const orderKey = (orderId: string) => ["orders", "detail", orderId] as const;

const PAGE_SIZE = 25;

export function useOrders(status: OrderStatus | undefined) {
  return useInfiniteQuery({
    queryKey: [...ordersKey, "list", status ?? "all"],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => unwrap(await api.GET("/api/orders", { params: { query: { limit: PAGE_SIZE, ...(status ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useCustomerOrders(customerId: string) {
  return useQuery({
    queryKey: [...ordersKey, "customer", customerId],
    queryFn: async () => unwrap(await api.GET("/api/customers/{customerId}/orders", { params: { path: { customerId }, query: { limit: 50 } } })),
  });
}

export function useOrder(orderId: string) {
  return useQuery({ queryKey: orderKey(orderId), queryFn: async () => unwrap(await api.GET("/api/orders/{orderId}", { params: { path: { orderId } } })) });
}

/** After a change: the order's own answer is the fresh detail; every list may have moved. */
function useOrderChanged() {
  const queryClient = useQueryClient();
  return async (order: OrderDetail) => {
    queryClient.setQueryData(orderKey(order.id), order);
    await queryClient.invalidateQueries({ queryKey: ordersKey, predicate: (query) => query.queryKey[1] !== "detail" });
  };
}

export function useChangeStatus(orderId: string) {
  const changed = useOrderChanged();
  return useMutation({
    mutationFn: async (input: { status: OrderStatus; note?: string }) => unwrap(await api.POST("/api/orders/{orderId}/status", { params: { path: { orderId } }, body: input })),
    onSuccess: changed,
  });
}

export function useRecordPayment(orderId: string) {
  const changed = useOrderChanged();
  return useMutation({
    mutationFn: async (input: { amountMinor: number; method: string; reference?: string }) => unwrap(await api.POST("/api/orders/{orderId}/payments", { params: { path: { orderId } }, body: input })),
    onSuccess: changed,
  });
}

export type NewOrder = paths["/api/orders"]["post"]["requestBody"]["content"]["application/json"];

export function useCreateOrder() {
  const changed = useOrderChanged();
  return useMutation({
    mutationFn: async ({ body, idempotencyKey }: { body: NewOrder; idempotencyKey: string }) =>
      unwrap(await api.POST("/api/orders", { body, params: { header: { "idempotency-key": idempotencyKey } } })),
    onSuccess: changed,
  });
}

/** Active products matching a search, for the order form's product picker. */
export function useProductSearch(q: string) {
  const term = q.trim();
  return useQuery({
    queryKey: ["products", "picker", term],
    queryFn: async () => unwrap(await api.GET("/api/products", { params: { query: { limit: 20, active: "true", sort: "name", ...(term ? { q: term } : {}) } } })),
    placeholderData: keepPreviousData,
  });
}


