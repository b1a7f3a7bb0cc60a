// Wire input → typed values through zod; a mismatch is 400 VALIDATION_FAILED
// with one entry per problem, so the dashboard can point at the field.
import type { z } from "zod";
import { AppError } from "@fleet/service-kit";

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: "body" | "params" | "query" | "headers"): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError("invalid_argument", "VALIDATION_FAILED", `Request ${where} is not valid`, {
    details: result.error.issues.map((issue) => ({ path: issue.path.map(String).join(".") || where, message: issue.message })),
  });
}
