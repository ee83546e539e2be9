// Model output → safe DOM: marked renders, DOMPurify keeps only plain rich text (strict allow-list).
// A lazy chunk (marked and DOMPurify are the largest part of the app): ui/markdown.ts loads it while the
// first screen's data is fetched, so it is there before any message is shown.
// Raw HTML in the text (`a <br> tag`, `List<String>`) is shown as typed, never interpreted: only the
// markdown syntax becomes markup, so nothing a person or model wrote disappears from the screen.
import DOMPurify from "dompurify";
import { Marked } from "marked";
import { copyButton, h } from "./dom";

const ALLOWED_TAGS = [
  "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
  "li", "mark", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th",
  "thead", "tr", "ul",
];
const ALLOWED_ATTR = ["href", "title", "class", "start", "align"];
const SAFE_URL = /^(?:https?:|mailto:)/i;

const SAFE_CLASS = /^(language-[\w+#-]+|hljs[\w-]*|math-(inline|display))$/;

/** A sanitizer for one allow-list. Its configuration is set once: DOMPurify otherwise re-parses the
 *  config (and rebuilds its tag and attribute sets) on every call, most of the cost of a short message. */
function purifierFor(tags: string[], attrs: string[]): ReturnType<typeof DOMPurify> {
  const purifier = DOMPurify(window);
  purifier.setConfig({ ALLOWED_TAGS: tags, ALLOWED_ATTR: attrs, ALLOWED_URI_REGEXP: SAFE_URL, ALLOW_DATA_ATTR: false, RETURN_DOM_FRAGMENT: true });
  purifier.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      const href = node.getAttribute("href") ?? "";
      if (!SAFE_URL.test(href)) node.removeAttribute("href");
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
    // Only our own highlight/language classes; model output cannot borrow the app's classes.
    const cls = node.getAttribute("class");
    if (cls !== null) {
      const kept = cls.split(/\s+/).filter((c) => SAFE_CLASS.test(c));
      if (kept.length) node.setAttribute("class", kept.join(" "));
      else node.removeAttribute("class");
    }
  });
  return purifier;
}

const rich = purifierFor(ALLOWED_TAGS, ALLOWED_ATTR);
let snippets: ReturnType<typeof DOMPurify> | null = null; // made on the first search, not with every page

const marked = new Marked({ gfm: true, breaks: false, async: false });
// Images are never loaded from model output (tracking pixels, data: payloads): shown as links instead.
marked.use({
  renderer: {
    html({ text, block }) {
      return block ? `<p>${escapeHtml(text.trim())}</p>\n` : escapeHtml(text);
    },
    image({ href, text }) {
      return `<a href="${encodeURI(href)}">${text || href}</a>`;
    },
  },
});

// Math: $$…$$ and \[…\] display, $…$ and \(…\) inline, kept as text in <code class="math-*"> until KaTeX
// (a lazy chunk) typesets it. An inline $ opens only before a non-space and closes only after one and
// not before a digit (pandoc's rule), so "$5 and $10" stays prose.
const mathCode = (tex: string, mode: "inline" | "display"): string => `<code class="math-${mode}">${escapeHtml(tex.trim())}</code>`;
marked.use({
  extensions: [
    {
      name: "mathBlock",
      level: "block",
      start: (src: string) => src.match(/\$\$|\\\[/)?.index,
      tokenizer(src: string) {
        const match = /^(?:\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\])[ \t]*(?:\n|$)/.exec(src);
        return match ? { type: "mathBlock", raw: match[0], text: match[1] ?? match[2] ?? "" } : undefined;
      },
      renderer: (token) => `<p>${mathCode(String(token.text), "display")}</p>\n`,
    },
    {
      name: "mathInline",
      level: "inline",
      start: (src: string) => src.match(/\$|\\\(/)?.index,
      tokenizer(src: string) {
        const match = /^(?:\$\$([^$]+?)\$\$|\$(?=\S)((?:\\\$|[^$\n])+?)(?<=\S)\$(?!\d)|\\\(([\s\S]+?)\\\))/.exec(src);
        if (!match) return undefined;
        const display = match[1] !== undefined;
        return { type: "mathInline", raw: match[0], text: match[1] ?? match[2] ?? match[3] ?? "", display };
      },
      renderer: (token) => mathCode(String(token.text), token.display ? "display" : "inline"),
    },
  ],
});

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

export function sanitize(html: string): DocumentFragment {
  return rich.sanitize(html) as unknown as DocumentFragment;
}

/** Finished texts already rendered, newest last: showing a conversation again (after every send, a
 *  retry, an edit, a version switch) re-renders its whole page, and most of it is unchanged. A clone of
 *  a sanitized fragment costs a fraction of parsing and sanitizing again. */
const rendered = new Map<string, DocumentFragment>();
const CACHED = 400; // more than the DOM holds (ui/chat.ts MAX_SHOWN)
const CACHED_CHARS = 100_000; // a huge text is not kept

function parsed(text: string, cache: boolean): DocumentFragment {
  const hit = rendered.get(text);
  if (hit) {
    rendered.delete(text); // now the newest
    rendered.set(text, hit);
    return hit.cloneNode(true) as DocumentFragment;
  }
  const fragment = sanitize(marked.parse(text) as string);
  if (!cache || text.length > CACHED_CHARS) return fragment;
  rendered.set(text, fragment.cloneNode(true) as DocumentFragment);
  if (rendered.size > CACHED) rendered.delete(rendered.keys().next().value!);
  return fragment;
}

/** Markdown text → a sanitized fragment with a copy button on every code block. `cache`: a finished
 *  text, likely to be shown again (not the growing tail of a stream). */
export function renderMarkdown(text: string, cache = false): DocumentFragment {
  const fragment = parsed(text, cache);
  for (const pre of Array.from(fragment.querySelectorAll("pre"))) {
    const code = pre.querySelector("code");
    const lang = /language-([\w+#-]+)/.exec(code?.className ?? "")?.[1] ?? "";
    const frame = h("div", { class: "codeblock" });
    const bar = h("div", { class: "codebar" }, h("span", { class: "lang" }, lang || "text"));
    bar.append(copyButton(() => code?.textContent ?? pre.textContent ?? ""));
    pre.replaceWith(frame);
    frame.append(bar, pre);
  }
  return fragment;
}

/** Server search snippets are escaped already with <mark> around hits; only <mark> survives. */
export function renderSnippet(html: string): DocumentFragment {
  snippets ??= purifierFor(["mark"], []);
  return snippets.sanitize(html) as unknown as DocumentFragment;
}
