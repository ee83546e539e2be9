// A Web Worker that highlights code (highlight.js) and typesets math (KaTeX) off the main thread: KaTeX
// is a 260 KB script whose evaluation alone held the page for a long task, and highlighting a long block
// is another. Both are loaded here on first use (each language of highlight.js a chunk of its own); the
// page only puts the returned markup in place (ui/enhance.ts). No DOM here: strings in, strings out.
import type { EnhanceRequest, EnhanceResult } from "./protocol";

type Hljs = typeof import("highlight.js/lib/core").default;
type LanguageFn = import("highlight.js").LanguageFn;

const GRAMMARS: Record<string, () => Promise<{ default: LanguageFn }>> = {
  bash: () => import("highlight.js/lib/languages/bash"),
  c: () => import("highlight.js/lib/languages/c"),
  cpp: () => import("highlight.js/lib/languages/cpp"),
  css: () => import("highlight.js/lib/languages/css"),
  go: () => import("highlight.js/lib/languages/go"),
  java: () => import("highlight.js/lib/languages/java"),
  javascript: () => import("highlight.js/lib/languages/javascript"),
  json: () => import("highlight.js/lib/languages/json"),
  markdown: () => import("highlight.js/lib/languages/markdown"),
  python: () => import("highlight.js/lib/languages/python"),
  rust: () => import("highlight.js/lib/languages/rust"),
  sql: () => import("highlight.js/lib/languages/sql"),
  typescript: () => import("highlight.js/lib/languages/typescript"),
  xml: () => import("highlight.js/lib/languages/xml"),
  yaml: () => import("highlight.js/lib/languages/yaml"),
};
const ALIASES: Record<string, string> = {
  sh: "bash", shell: "bash", zsh: "bash", js: "javascript", jsx: "javascript", ts: "typescript", tsx: "typescript",
  py: "python", html: "xml", svg: "xml", yml: "yaml",
};

let hljs: Promise<Hljs> | null = null;
const grammars = new Map<string, Promise<boolean>>();

async function highlighter(lang: string): Promise<Hljs | null> {
  const name = ALIASES[lang] ?? lang;
  const load = GRAMMARS[name];
  if (!load) return null;
  hljs ??= import("highlight.js/lib/core").then((m) => m.default);
  const core = await hljs;
  let ready = grammars.get(name);
  if (!ready) {
    ready = load().then(({ default: grammar }) => (core.registerLanguage(name, grammar), true), () => false);
    grammars.set(name, ready);
  }
  return (await ready) ? core : null;
}

/** highlight.js escapes the source itself: the result holds only its <span class> markup. */
async function highlight(lang: string, text: string): Promise<string | null> {
  const core = await highlighter(lang);
  return core ? core.highlight(text, { language: ALIASES[lang] ?? lang, ignoreIllegals: true }).value : null;
}

let katex: Promise<typeof import("katex").default> | null = null;

/** KaTeX escapes the TeX itself and, with trust off, emits no links or raw HTML. Its positions come as
 *  style="" attributes, which the app's CSP (style-src 'self') refuses in markup: they travel as
 *  data-katex-style and the page applies them through the CSSOM. A formula KaTeX cannot parse: null. */
async function typeset(tex: string, display: boolean): Promise<string | null> {
  katex ??= import("katex").then((m) => m.default);
  const { renderToString } = await katex;
  try {
    const html = renderToString(tex, { displayMode: display, throwOnError: true, trust: false, strict: "ignore", output: "htmlAndMathml" });
    return html.replace(/ style="/g, ' data-katex-style="');
  } catch {
    return null;
  }
}

self.onmessage = async ({ data }: MessageEvent<EnhanceRequest>) => {
  const html = data.kind === "code" ? await highlight(data.lang, data.text).catch(() => null) : await typeset(data.text, data.display).catch(() => null);
  const result: EnhanceResult = { id: data.id, html };
  (self as unknown as { postMessage(message: EnhanceResult): void }).postMessage(result);
};
