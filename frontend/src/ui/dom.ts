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
