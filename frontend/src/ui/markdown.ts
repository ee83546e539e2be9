// Markdown rendering, as the rest of the app calls it. The renderer itself (marked, DOMPurify, the math
// syntax: ui/render.ts) is a lazy chunk, loaded by loadMarkdown() while the app fetches its first data
// (Controller.start), so the first screen's JS stays small. Until it has arrived (never in practice)
// text is shown as plain text: nothing is lost, nothing is interpreted.
import { loadMedia } from "./dom";

type Renderer = typeof import("./render");

let renderer: Renderer | null = null;
let loading: Promise<void> | null = null;

/** The renderer, the web fonts and the media decorations: messages are laid out once, in their final
 *  font and with their attachment rows (a late font or a row added afterwards moves everything on
 *  screen, a layout shift). */
export function loadMarkdown(): Promise<void> {
  loading ??= Promise.all([import("./render"), document.fonts?.ready, loadMedia()]).then(([module]) => void (renderer = module));
  return loading;
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
export function renderMarkdown(text: string): DocumentFragment {
  if (renderer) return renderer.renderMarkdown(text);
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

/** Highlights code blocks and typesets math under `root`; highlight.js and KaTeX load on first use. */
export async function enhance(root: HTMLElement): Promise<void> {
  const blocks = Array.from(root.querySelectorAll<HTMLElement>("pre code:not(.hljs)"));
  const math = Array.from(root.querySelectorAll<HTMLElement>("code.math-inline, code.math-display"));
  if (math.length) void import("./math").then(({ typeset }) => math.forEach(typeset));
  if (blocks.length === 0) return;
  const { highlightBlock } = await import("./highlight");
  blocks.forEach(highlightBlock);
}
