// Preloads the two Ubuntu Mono faces from index.html. They are otherwise asked for only once text in
// them is laid out, after the app's script has run; the first messages wait for them (ui/markdown.ts
// lays messages out once, in their final font), so they are fetched with the script instead.
import type { Plugin } from "vite";

const FACES = /assets\/ubuntu-mono-latin-(400|700)-normal-[\w-]+\.woff2$/;

export function preloadFonts(): Plugin {
  return {
    name: "llm-router-preload-fonts",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(_html, context) {
        const fonts = Object.keys(context.bundle ?? {}).filter((name) => FACES.test(name)).sort();
        // crossorigin: fonts are always fetched in CORS mode; without it the preload would not be used
        return fonts.map((name) => ({
          tag: "link",
          attrs: { rel: "preload", href: `/${name}`, as: "font", type: "font/woff2", crossorigin: "" },
          injectTo: "head" as const,
        }));
      },
    },
  };
}
