import { defineConfig } from "vite";
import { initialSizeReport } from "./build/size-report.ts";
import { precompress } from "./build/precompress.ts";
import { pngIcons } from "./build/icons.ts";
import { serviceWorker } from "./build/service-worker.ts";

// LLM_ROUTER_WEB_OUT lets a test build into a temporary folder without touching the served build.
const outDir = process.env.LLM_ROUTER_WEB_OUT ?? "../src/llm_router/web/dist";

export default defineConfig({
  base: "/",
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2022",
    // The polyfill is for browsers without <link rel=modulepreload>; every browser we target has it.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  // The enhance worker (highlight.js, KaTeX) loads each of them, and each language, as a chunk of its
  // own: that takes an ES-module worker.
  worker: { format: "es" },
  plugins: [initialSizeReport({ budgetBytes: 50 * 1024 }), pngIcons(), serviceWorker(), precompress()],
});
