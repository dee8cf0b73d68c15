/**
 * Vite build for the web app. The output in web/dist is served by the server role itself
 * (one public origin), with hashed files under /assets cached immutably.
 */
import { defineConfig } from "vite";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: { outDir: "dist", emptyOutDir: true, assetsDir: "assets" },
  server: {
    proxy: { "/api": "http://localhost:3000", "/.status": "http://localhost:3000", "/.auth": "http://localhost:3000" },
  },
});
