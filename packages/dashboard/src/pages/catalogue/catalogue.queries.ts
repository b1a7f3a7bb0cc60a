// The catalogue's server state: the product list (filters, pages) and the shoppers' search, one
// product, the shop's currency, and the changes (product, variants, stock, CSV import and export).
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, unwrap, type Schemas } from "../../api/client";
import type { operations } from "../../api/schema";

export type Product = Schemas["Product"];
export type ProductVariant = Schemas["ProductVariant"];
export type ImportReport = Schemas["ProductImportReport"];
export type ProductInput = operations["createProduct"]["requestBody"]["content"]["application/json"];
export type VariantInput = operations["createProductVariant"]["requestBody"]["content"]["application/json"];

const PAGE_SIZE = 25;

export const productsKey = ["catalogue"] as const;
const productKey = (productId: string) => ["catalogue", "product", productId] as const;

export interface ListFilters {
  q: string;
  active: "" | "true" | "false";
  lowStock: boolean;
  sort: "name" | "-updatedAt" | "price" | "-price" | "stock";
}

export function useProducts(filters: ListFilters) {
  return useInfiniteQuery({
    queryKey: [...productsKey, "list", filters],
    initialPageParam: undefined as string | undefined,
    placeholderData: keepPreviousData,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/api/products", {
          params: {
            query: {
              limit: PAGE_SIZE,
              sort: filters.sort,
              ...(filters.q.trim() ? { q: filters.q.trim() } : {}),
              ...(filters.active ? { active: filters.active } : {}),
              ...(filters.lowStock ? { lowStock: "true" as const } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
}

/** The shoppers' search (typos, accents, price phrases), as the bot runs it: active products only. */
export function useShopperSearch(q: string) {
  return useQuery({
    queryKey: [...productsKey, "search", q],
    enabled: q.trim() !== "",
    queryFn: async () => unwrap(await api.GET("/api/products/search", { params: { query: { q: q.trim(), limit: 20 } } })),
  });
}

export function useProduct(productId: string | undefined) {
  return useQuery({
    queryKey: productKey(productId ?? ""),
    enabled: productId !== undefined,
    queryFn: async () => unwrap(await api.GET("/api/products/{productId}", { params: { path: { productId: productId ?? "" } } })),
  });
}

/** The shop's currency: every price is in it. */
export function useShopCurrency() {
  return useQuery({ queryKey: ["settings"], queryFn: async () => unwrap(await api.GET("/api/settings")), select: (settings) => settings.currency, staleTime: 60_000 });
}

export function useSaveProduct(productId: string | undefined) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: ProductInput): Promise<Product> => {
      if (!productId) return unwrap(await api.POST("/api/products", { body: input }));
      // Stock changes through adjustments, never through the product's own fields.
      const { stock: _stock, ...changes } = input;
      return unwrap(await api.PATCH("/api/products/{productId}", { params: { path: { productId } }, body: changes }));
    },
    onSuccess: async (product) => {
      queryClient.setQueryData(productKey(product.id), product);
      await queryClient.invalidateQueries({ queryKey: productsKey });
    },
  });
}

function useProductChange<I, R>(change: (input: I) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: change, onSuccess: () => queryClient.invalidateQueries({ queryKey: productsKey }) });
}

export function useAdjustStock(productId: string) {
  return useProductChange(async (input: { delta: number; reason: string; variantId?: string }) =>
    unwrap(await api.POST("/api/products/{productId}/stock", { params: { path: { productId } }, body: input })),
  );
}

export function useAddVariant(productId: string) {
  return useProductChange(async (input: VariantInput) => unwrap(await api.POST("/api/products/{productId}/variants", { params: { path: { productId } }, body: input })));
}

export function useSetVariantActive(productId: string) {
  return useProductChange(async ({ variantId, active }: { variantId: string; active: boolean }) =>
    unwrap(await api.PATCH("/api/products/{productId}/variants/{variantId}", { params: { path: { productId, variantId } }, body: { active } })),
  );
}

/** Checks (dry run) or imports a CSV file; a refused import (422 IMPORT_INVALID) answers its report too. */
export function useImportCsv() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ csv, dryRun }: { csv: string; dryRun: boolean }): Promise<ImportReport> => {
      try {
        return unwrap(
          await api.POST("/api/products/import", {
            params: { query: { dryRun: dryRun ? "true" : "false" } },
            body: csv,
            headers: { "content-type": "text/csv" },
            bodySerializer: (body) => body,
          }),
        );
      } catch (error) {
        if (error instanceof ApiError && error.code === "IMPORT_INVALID" && isReport(error.details)) return error.details;
        throw error;
      }
    },
    onSuccess: (report, { dryRun }) => {
      if (!dryRun && report.ok) void queryClient.invalidateQueries({ queryKey: productsKey });
    },
  });
}

function isReport(value: unknown): value is ImportReport {
  return typeof value === "object" && value !== null && "ok" in value && "errors" in value && Array.isArray(value.errors);
}

/** The whole catalogue as a CSV file (fetched with the token, handed to the browser as a download). */
export async function downloadCatalogue(): Promise<void> {
  const blob = unwrap(await api.GET("/api/products/export", { parseAs: "blob" }));
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = "catalogue.csv";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
