// POST /api/auth/login: email + password (+ tenant slug) → access token.
import { Router } from "express";
import { z } from "zod";
import type { Login } from "../use-cases/login.use-case.js";
import { parseInput } from "./validation.js";

const LoginBody = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254)
    .regex(/^[^\s@]+@[^\s@]+$/, "must be an email address"),
  password: z.string().min(1).max(1024),
  tenant: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "must be a tenant slug")
    .optional(),
});

export function authRoutes({ login }: { login: Login }): Router {
  const router = Router();
  router.post("/auth/login", async (req, res) => {
    const body = parseInput(LoginBody, req.body, "body");
    const result = await login({ ...body, ip: req.ip ?? req.socket.remoteAddress ?? "unknown" });
    res.setHeader("cache-control", "no-store");
    res.json(result);
  });
  return router;
}
