// Markdown rendering, as the rest of the app calls it. The renderer itself (marked, DOMPurify, the math
// syntax: ui/render.ts) is a lazy chunk, loaded by loadMarkdown() while the app fetches its first data
// (Controller.start), so the first screen's JS stays small. Until it has arrived (never in practice)
// text is shown as plain text: nothing is lost, nothing is interpreted.
import { loadMedia } from "./dom";
import { prepareDateFormat } from "../lib/format";
import { eachTask } from "./idle";

type Renderer = typeof import("./render");

let renderer: Renderer | null = null;
let loading: Promise<void> | null = null;

/** The renderer, the web fonts and the media decorations: messages are laid out once, in their final
 *  font and with their attachment rows (a late font or a row added afterwards moves everything on
 *  screen, a layout shift). */
export function loadMarkdown(): Promise<void> {
  loading ??= Promise.all([import("./render"), webFonts(), loadMedia()]).then(([module]) => void (renderer = module));
  return loading;
}

/** loadMarkdown(), and the one-off costs of the first message (marked building its rules, V8 compiling
 *  the parser, the locale's date data) paid in short tasks of their own while the conversation is on its
 *  way, not inside the task that shows it. For opening a conversation; the empty chat does not pay them
 *  while it loads. */
export function prepareMessages(): Promise<void> {
  preparing ??= Promise.all([loadMarkdown().then(() => renderer && warmUp(renderer)), eachTask(prepareDateFormat)]).then(() => undefined);
  return preparing;
}
let preparing: Promise<void> | null = null;

const SAMPLES = ["# a\n\n*b* **c** `d`\n", "- e\n1. f\n\n> g\n", "[h](https://example.com)\n\n```\ni\n```\n"];

/** Renders small samples, one a task, before the renderer is used for real. */
async function warmUp(module: Renderer): Promise<Renderer> {
  const samples = [...SAMPLES];
  await eachTask(() => (module.renderMarkdown(samples.shift() ?? ""), samples.length > 0));
  return module;
}

/** Asks for both faces of Ubuntu Mono and waits for them. (`document.fonts.ready` would not do: called
 *  before anything is laid out, nothing is loading yet and it resolves at once.) A face that fails to
 *  load leaves the fallback font; the messages are shown all the same. */
function webFonts(): Promise<unknown> {
  const fonts = document.fonts;
  if (!fonts) return Promise.resolve();
  return Promise.all(["400", "700"].map((weight) => fonts.load(`${weight} 1em "Ubuntu Mono"`).catch(() => undefined)));
}

function plain(text: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  const p = document.createElement("p");
  p.style.whiteSpace = "pre-wrap";
  p.textContent = text;
  fragment.append(p);
  return fragment;
}

/** Markdown text → a sanitized fragment with a copy button on every code block. */
export function renderMarkdown(text: string, cache = false): DocumentFragment {
  if (renderer) return renderer.renderMarkdown(text, cache);
  void loadMarkdown();
  return plain(text);
}

/** Server search snippets are escaped already with <mark> around hits; only <mark> survives. */
export function renderSnippet(html: string): DocumentFragment {
  if (renderer) return renderer.renderSnippet(html);
  const fragment = document.createDocumentFragment();
  fragment.append(new DOMParser().parseFromString(html, "text/html").body.textContent ?? "");
  return fragment;
}
