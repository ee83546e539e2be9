// Code highlighting and math typesetting for rendered messages. A block waits until it comes near the
// screen (a screen above or below, measured in the scroller marked `data-scroll-root`), after the next
// paint; the work itself (highlight.js, KaTeX) runs in a worker (worker/enhance.ts), so the page only puts
// the returned markup in place: nothing of it holds up the first paint or a tap. Without a worker (it
// could not start) code stays plain and formulas stay as their source.
import type { EnhanceRequest, EnhanceResult } from "../worker/protocol";
import { afterPaint } from "./idle";

const SCROLL_ROOT = "[data-scroll-root]";
const NEAR = "100% 0px";
const MATH = "code.math-inline, code.math-display";

const observers = new Map<Element | null, IntersectionObserver>();
let worker: Worker | null | undefined; // undefined: not started yet; null: could not start
const answers = new Map<number, (html: string | null) => void>();
let nextId = 1;

/** Highlights the code blocks and typesets the formulas under `root` once they come near the screen. */
export function enhance(root: HTMLElement): void {
  const found = root.querySelectorAll<HTMLElement>(`pre code:not(.hljs), ${MATH}`);
  if (found.length) afterPaint(() => found.forEach(watch));
}

function watch(el: HTMLElement): void {
  if (!el.isConnected) return; // re-rendered meanwhile (a finished stream)
  const root = el.closest(SCROLL_ROOT);
  let observer = observers.get(root);
  if (!observer) {
    observer = new IntersectionObserver(seen, { root, rootMargin: NEAR });
    observers.set(root, observer);
  }
  observer.observe(el);
}

function seen(entries: IntersectionObserverEntry[], observer: IntersectionObserver): void {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    observer.unobserve(entry.target);
    const el = entry.target as HTMLElement;
    void (el.matches(MATH) ? typeset(el) : highlight(el));
  }
}

async function highlight(code: HTMLElement): Promise<void> {
  const lang = /language-([\w+#-]+)/.exec(code.className)?.[1];
  const html = lang ? await ask({ kind: "code", lang, text: code.textContent ?? "" }) : null;
  if (html !== null && code.isConnected) code.innerHTML = html; // only highlight.js's <span class> markup
  code.classList.add("hljs");
}

async function typeset(code: HTMLElement): Promise<void> {
  const display = code.classList.contains("math-display");
  // the stylesheet and fonts come with ui/math.ts, fetched while the worker typesets
  const [html, math] = await Promise.all([ask({ kind: "math", text: code.textContent ?? "", display }), import("./math")]);
  if (code.isConnected) math.place(code, html, display);
}

type Request = { kind: "code"; lang: string; text: string } | { kind: "math"; text: string; display: boolean };

function ask(request: Request): Promise<string | null> {
  const w = start();
  if (!w) return Promise.resolve(null);
  const id = nextId++;
  return new Promise((resolve) => {
    answers.set(id, resolve);
    w.postMessage({ ...request, id } satisfies EnhanceRequest);
  });
}

function start(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    worker = new Worker(new URL("../worker/enhance.ts", import.meta.url), { type: "module" });
  } catch {
    return (worker = null);
  }
  worker.onmessage = ({ data }: MessageEvent<EnhanceResult>) => {
    answers.get(data.id)?.(data.html);
    answers.delete(data.id);
  };
  worker.onerror = () => {
    worker = null; // what waits is left as it is
    answers.forEach((resolve) => resolve(null));
    answers.clear();
  };
  return worker;
}
