// The app's PNG icons, rendered at build time from the one source drawing (public/icon.svg) with resvg:
// 192 and 512 for the manifest, a maskable 512 (the drawing inside the central 80% safe zone on a
// full-bleed background, so a launcher's circle or squircle crops nothing) and the 180 px
// apple-touch-icon (opaque and full-bleed: iOS rounds the corners itself).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import type { Plugin } from "vite";

const BACKGROUND = "#1a1b26"; // the manifest's background_color

interface Icon {
  file: string;
  size: number;
  fullBleed: boolean;
}

export const ICONS: readonly Icon[] = [
  { file: "icon-192.png", size: 192, fullBleed: false },
  { file: "icon-512.png", size: 512, fullBleed: false },
  { file: "icon-maskable-512.png", size: 512, fullBleed: true },
  { file: "apple-touch-icon.png", size: 180, fullBleed: true },
];

/** The drawing shrunk into the safe zone over a square background of the same colour. */
function fullBleed(svg: string): string {
  const viewBox = /viewBox="([^"]+)"/.exec(svg)?.[1] ?? "0 0 512 512";
  const [, , width = 512, height = 512] = viewBox.split(/[\s,]+/).map(Number);
  const inner = svg.replace(/^[\s\S]*?<svg[^>]*>/, "").replace(/<\/svg>\s*$/, "");
  const scale = 0.8;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${viewBox}"><rect width="${width}" height="${height}" fill="${BACKGROUND}"/><g transform="translate(${(width * (1 - scale)) / 2} ${(height * (1 - scale)) / 2}) scale(${scale})">${inner}</g></svg>`;
}

export function renderIcon(svg: string, icon: Icon): Buffer {
  const source = icon.fullBleed ? fullBleed(svg) : svg;
  return new Resvg(source, { fitTo: { mode: "width", value: icon.size } }).render().asPng();
}

export function pngIcons(source = "public/icon.svg"): Plugin {
  let root = "";
  return {
    name: "png-icons",
    apply: "build",
    configResolved(config) {
      root = config.root;
    },
    generateBundle() {
      const svg = readFileSync(join(root, source), "utf8");
      for (const icon of ICONS) {
        this.emitFile({ type: "asset", fileName: icon.file, source: renderIcon(svg, icon) });
      }
    },
  };
}
