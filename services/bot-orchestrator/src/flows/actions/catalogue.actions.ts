// catalogue.search and catalogue.choose: products for the shopper's words, numbered so the shopper
// can answer with a number, and the product behind that number.
import type { Product } from "@fleet/contracts/commerce";
import { AppError } from "@fleet/service-kit";
import { z } from "zod";
import { JsonValue } from "../language/index.js";
import { parseCount, truncate, type ActionRuns } from "./action-helpers.js";
import type { Language } from "./definitions.js";
import type { FlowActionsDeps } from "./registry.js";
import { priceText } from "./texts.js";

const DESCRIPTION_MAX = 300;

function productView(product: Product, n: number, language: Language) {
  // Units the shopper can get: the product's own and its variants'.
  const stock = Math.max(0, product.stock) + product.variants.reduce((sum, variant) => sum + Math.max(0, variant.stock), 0);
  return {
    n,
    id: product.id,
    sku: product.sku,
    name: product.name,
    category: product.category,
    description: truncate(product.description.trim(), DESCRIPTION_MAX),
    price_text: priceText(product.price, language),
    // Only https images: the providers fetch them, and a flow sends whatever is here.
    image: product.imageUrls.find((url) => url.startsWith("https://")) ?? "",
    in_stock: stock > 0,
    stock,
  };
}

/** The number a product of earlier results carries (`n`), as the flow's variables hold it. */
const Numbered = z.object({ n: z.union([z.number(), z.string()]) });

export function catalogueActions({ commerce }: FlowActionsDeps): ActionRuns<"catalogue.search" | "catalogue.choose"> {
  return {
    async "catalogue.search"(input, context) {
      const { products } = await commerce.searchProducts({ tenantId: context.tenantId, query: input.query, limit: input.limit });
      const views = products.slice(0, input.limit).map((product, index) => productView(product, index + 1, input.language));
      return { count: views.length, products: views, top: views[0] ?? null };
    },

    async "catalogue.choose"(input) {
      const choice = parseCount(input.choice);
      const chosen = choice === null ? undefined : input.products.find((product) => {
        const numbered = Numbered.safeParse(product);
        return numbered.success && parseCount(numbered.data.n) === choice;
      });
      const product = chosen === undefined ? undefined : JsonValue.safeParse(chosen);
      if (!product?.success) throw new AppError("invalid_argument", "CHOICE_INVALID", "The choice is not the number of one of the products");
      return product.data;
    },
  };
}
