// Loaded lazily (dynamic import), with KaTeX's stylesheet and fonts: typesets the math that
// ui/markdown.ts kept as text. KaTeX escapes the TeX itself and, with trust off, emits no links or
// raw HTML; a formula it cannot parse stays visible as its source (marked as an error). katex.render()
// builds DOM nodes and sets their positions through the CSSOM: the app's CSP (style-src 'self') refuses
// the inline style="" attributes that renderToString() + innerHTML would carry.
import katex from "katex";
import "katex/dist/katex.min.css";

export function typeset(code: HTMLElement): void {
  const display = code.classList.contains("math-display");
  const tex = code.textContent ?? "";
  const el = document.createElement(display ? "div" : "span");
  el.className = display ? "math math-block" : "math";
  try {
    katex.render(tex, el, { displayMode: display, throwOnError: true, trust: false, strict: "ignore", output: "htmlAndMathml" });
  } catch {
    code.classList.add("math-error");
    code.title = "could not typeset this formula";
    return;
  }
  (display && code.parentElement?.tagName === "P" && code.parentElement.childNodes.length === 1 ? code.parentElement : code).replaceWith(el);
}
