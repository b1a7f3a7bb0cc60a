// A small jewellery catalogue for a demo tenant (rings, chains, bracelets in gold and silver),
// inserted through the repository so search columns, SKU registry and words are maintained as for
// any product. Products whose SKU already exists are updated, so seeding twice is harmless.
import type pg from "pg";
import { createCatalogueRepository, type ProductFields } from "./catalogue.repository.js";

const image = (slug: string) => `https://images.example.com/joyeria/${slug}.jpg`;

function product(sku: string, name: string, category: string, material: string, priceMinor: number, stock: number, keywords: string[], description = ""): ProductFields {
  return { sku, name, description, category, material, priceMinor, costMinor: Math.round(priceMinor * 0.45), stock, stockMin: 2, stockMax: 50, imageUrls: [image(sku.toLowerCase())], keywords, active: true };
}

export const DEMO_CATALOGUE: readonly ProductFields[] = [
  product("AN-ORO-001", "Anillo de compromiso oro 14k", "anillos", "oro", 899_000, 4, ["anillo", "compromiso", "boda", "oro"], "Anillo solitario de oro amarillo de 14 kilates."),
  product("AN-ORO-002", "Argolla de matrimonio oro", "anillos", "oro", 459_000, 10, ["argolla", "anillo", "boda"]),
  product("AN-PLA-001", "Anillo de plata 925 liso", "anillos", "plata", 45_000, 25, ["anillo", "plata", "sencillo"]),
  product("AN-PLA-002", "Anillo de plata con circonia", "anillos", "plata", 69_000, 12, ["anillo", "circonia", "brillante"]),
  product("CA-ORO-001", "Cadena de oro tejido cartier", "cadenas", "oro", 1_250_000, 3, ["cadena", "collar", "cartier"]),
  product("CA-ORO-002", "Cadena de oro tejido torzal", "cadenas", "oro", 780_000, 5, ["cadena", "torzal"]),
  product("CA-PLA-001", "Cadena de plata 925 veneciana", "cadenas", "plata", 38_000, 30, ["cadena", "collar", "veneciana"]),
  product("CA-PLA-002", "Cadena de plata tejido rolo", "cadenas", "plata", 52_000, 20, ["cadena", "rolo"]),
  product("PU-ORO-001", "Pulsera de oro tejido lazo", "pulseras", "oro", 640_000, 4, ["pulsera", "brazalete", "lazo"]),
  product("PU-PLA-001", "Pulsera de plata con dijes", "pulseras", "plata", 49_000, 15, ["pulsera", "dijes", "charm"]),
  product("PU-PLA-002", "Brazalete de plata rígido", "pulseras", "plata", 75_000, 8, ["brazalete", "pulsera", "esclava"]),
];

/** Inserts (or refreshes) the demo catalogue for `tenantId`; answers how many were created and updated. */
export async function seedDemoCatalogue(pool: pg.Pool, tenantId: string): Promise<{ created: number; updated: number }> {
  const catalogue = createCatalogueRepository(pool);
  return catalogue.transaction(tenantId, async (tenant) => tenant.upsertMany(DEMO_CATALOGUE, await tenant.currency()));
}
