// A bar chart drawn as inline SVG (no chart library): scales to its container, labels the first and
// last bucket and the peak, one <title> per bar for the exact figure. Colours come from the palette.
const SVG = "http://www.w3.org/2000/svg";

export interface Bar {
  label: string;
  value: number;
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

export function barChart(bars: readonly Bar[], format: (value: number) => string, name: string): SVGSVGElement {
  const width = 320;
  const height = 120;
  const top = 14;
  const bottom = 16;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": name });
  const peak = Math.max(0, ...bars.map((b) => b.value));
  svg.append(el("line", { x1: 0, y1: height - bottom, x2: width, y2: height - bottom, class: "chart-axis" }));
  if (bars.length === 0 || peak === 0) {
    const empty = el("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "chart-label" });
    empty.textContent = "no usage in this window";
    svg.append(empty);
    return svg;
  }
  const slot = width / bars.length;
  const gap = Math.min(2, slot * 0.2);
  bars.forEach((bar, index) => {
    const h = ((height - top - bottom) * bar.value) / peak;
    const rect = el("rect", {
      x: index * slot + gap / 2,
      y: height - bottom - h,
      width: Math.max(1, slot - gap),
      height: h,
      class: "chart-bar",
    });
    const title = el("title", {});
    title.textContent = `${bar.label}: ${format(bar.value)}`;
    rect.append(title);
    svg.append(rect);
  });
  const label = (text: string, x: number, y: number, anchor: string): void => {
    const t = el("text", { x, y, "text-anchor": anchor, class: "chart-label" });
    t.textContent = text;
    svg.append(t);
  };
  label(bars[0]!.label, 0, height - 3, "start");
  if (bars.length > 1) label(bars.at(-1)!.label, width, height - 3, "end");
  label(`peak ${format(peak)}`, width, 10, "end");
  return svg;
}
