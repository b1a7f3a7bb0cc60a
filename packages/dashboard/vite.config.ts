// Builds the dashboard to dist/, the static root nginx serves at / (with the SPA fallback).
// `vite` alone serves it for development with /api and /ws proxied to a running fleet's nginx
// (DASHBOARD_PROXY, default http://127.0.0.1:8080: the local demo).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const fleet = process.env["DASHBOARD_PROXY"] ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: {
    proxy: {
      "/api": { target: fleet, changeOrigin: false },
      "/ws": { target: fleet.replace(/^http/, "ws"), ws: true },
    },
  },
});
