// Puts a formula typeset by the enhance worker (worker/enhance.ts, KaTeX) in place of its source. Loaded
// lazily, with KaTeX's stylesheet and fonts. The markup comes from KaTeX (which escapes the TeX and, with
// trust off, emits no links or raw HTML); it is parsed inert in a <template>, and anything that could
// run or fetch is dropped all the same. Positions arrive as data-katex-style and are set through the
// CSSOM: the app's CSP (style-src 'self') refuses style="" attributes in markup.
import "katex/dist/katex.min.css";

const DROPPED = new Set(["script", "style", "iframe", "object", "embed", "link", "meta", "foreignobject", "image", "use", "a", "form", "input"]);

export function place(code: HTMLElement, html: string | null, display: boolean): void {
  if (html === null) {
    code.classList.add("math-error");
    code.title = "could not typeset this formula";
    return;
  }
  const template = document.createElement("template");
  template.innerHTML = html;
  for (const node of Array.from(template.content.querySelectorAll("*"))) clean(node);
  const el = document.createElement(display ? "div" : "span");
  el.className = display ? "math math-block" : "math";
  el.append(template.content);
  (display && code.parentElement?.tagName === "P" && code.parentElement.childNodes.length === 1 ? code.parentElement : code).replaceWith(el);
}

function clean(node: Element): void {
  if (DROPPED.has(node.localName.toLowerCase())) {
    node.remove();
    return;
  }
  for (const { name, value } of Array.from(node.attributes)) {
    if (name === "data-katex-style") {
      applyStyle((node as HTMLElement).style, value);
      node.removeAttribute(name);
    } else if (/^on|href$|^src/i.test(name)) {
      node.removeAttribute(name);
    }
  }
}

function applyStyle(style: CSSStyleDeclaration, css: string): void {
  for (const declaration of css.split(";")) {
    const colon = declaration.indexOf(":");
    if (colon > 0) style.setProperty(declaration.slice(0, colon).trim(), declaration.slice(colon + 1).trim());
  }
}
