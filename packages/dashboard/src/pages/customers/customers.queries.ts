// The customers' server state: a search by name or phone, one customer, and the changes a seller
// makes (add one, edit name, phone, addresses, tags, notes), refreshing the lists they touch.
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";
import type { paths } from "../../api/schema";

export type Customer = Schemas["Customer"];
export type Address = Schemas["Address"];
export type NewCustomer = paths["/api/customers"]["post"]["requestBody"]["content"]["application/json"];
export type CustomerChanges = paths["/api/customers/{customerId}"]["patch"]["requestBody"]["content"]["application/json"];

export const customersKey = ["customers"] as const;
export const customerKey = (customerId: string) => ["customers", "detail", customerId] as const;

/** The shop's customers matching `q`; with `sellerId`, only those that seller attends now. */
export function useCustomers(q: string, sellerId?: string) {
  const term = q.trim();
  return useInfiniteQuery({
    queryKey: [...customersKey, "list", term, sellerId ?? "all"],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET("/api/customers", { params: { query: { limit: 25, ...(term ? { q: term } : {}), ...(sellerId ? { sellerId } : {}), ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useCustomer(customerId: string, enabled = true) {
  return useQuery({ queryKey: customerKey(customerId), enabled, queryFn: async () => unwrap(await api.GET("/api/customers/{customerId}", { params: { path: { customerId } } })) });
}

function useCustomerChanged() {
  const queryClient = useQueryClient();
  return async (customer: Customer) => {
    queryClient.setQueryData(customerKey(customer.id), customer);
    await queryClient.invalidateQueries({ queryKey: customersKey, predicate: (query) => query.queryKey[1] !== "detail" });
  };
}

export function useCreateCustomer() {
  const changed = useCustomerChanged();
  return useMutation({ mutationFn: async (body: NewCustomer) => unwrap(await api.POST("/api/customers", { body })), onSuccess: changed });
}

export function useUpdateCustomer(customerId: string) {
  const changed = useCustomerChanged();
  return useMutation({
    mutationFn: async (body: CustomerChanges) => unwrap(await api.PATCH("/api/customers/{customerId}", { params: { path: { customerId } }, body })),
    onSuccess: changed,
  });
}
