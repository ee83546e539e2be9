// Tiny DOM helpers. Text always goes in as text nodes; HTML only ever comes from ui/markdown.ts.
export interface Component {
  readonly el: HTMLElement;
  dispose(): void;
}

type Attrs = Record<string, string | boolean | number | undefined | null | ((event: Event) => void)>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (name === "class") el.className = String(value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el: HTMLElement, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

export function button(label: string, onClick: () => void, attrs: Attrs = {}): HTMLButtonElement {
  return h("button", { type: "button", class: "btn", ...attrs, onclick: () => onClick() }, label);
}

/** Copies text; falls back to a hidden textarea where the async clipboard is unavailable (plain http). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = h("textarea", { class: "offscreen", readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

export function copyButton(getText: () => string, label = "copy"): HTMLButtonElement {
  const btn = button(label, () => {
    void copyText(getText()).then((ok) => {
      btn.textContent = ok ? "copied" : "copy failed";
      window.setTimeout(() => (btn.textContent = label), 1200);
    });
  });
  btn.classList.add("copy");
  btn.setAttribute("aria-label", `${label} to clipboard`);
  return btn;
}

/** Attachments, /image, thumbnails and voice: one chunk, fetched when the chat is idle or first needed. */
export const loadMedia = () => import("./attach");

const SVG = "http://www.w3.org/2000/svg";
/** Icons drawn as inline SVG strokes (glyphs like ☰ ◐ ⚙ turn into emoji on many phones). */
export const ICONS = {
  menu: "M4 6h16M4 12h16M4 18h16",
  theme: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM12 3v18",
  settings: "M12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6zM12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1l2.1-2.1M17 7l2.1-2.1",
} as const;

export function iconButton(icon: keyof typeof ICONS, label: string, onClick: () => void, attrs: Attrs = {}): HTMLButtonElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "20");
  svg.setAttribute("height", "20");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "icon-svg");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", ICONS[icon]);
  svg.append(path);
  const btn = h("button", { type: "button", class: "btn icon", "aria-label": label, ...attrs, onclick: () => onClick() });
  btn.append(svg);
  return btn;
}
