// Prints the gzip size of what the first page load needs (the JS and CSS that index.html references,
// plus the chunks those statically import) against a budget. Lazily imported chunks are not counted.
import { gzipSync } from "node:zlib";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Plugin } from "vite";
import type { OutputBundle, OutputChunk } from "rolldown";

interface Options {
  budgetBytes: number;
}

function initialFiles(bundle: OutputBundle): string[] {
  const chunks = Object.values(bundle).filter((item): item is OutputChunk => item.type === "chunk");
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const chunk = bundle[name];
    if (chunk?.type !== "chunk") return;
    chunk.imports.forEach(visit);
    const css = (chunk as OutputChunk & { viteMetadata?: { importedCss: Set<string> } }).viteMetadata
      ?.importedCss;
    css?.forEach((file) => seen.add(file));
  };
  chunks.filter((chunk) => chunk.isEntry).forEach((chunk) => visit(chunk.fileName));
  return [...seen].filter((name) => /\.(js|css)$/.test(name)).sort();
}

function sizeOf(bundle: OutputBundle, name: string): number {
  const item = bundle[name];
  if (!item) return 0;
  const source = item.type === "chunk" ? item.code : item.source;
  return gzipSync(typeof source === "string" ? source : Buffer.from(source), { level: 9 }).length;
}

export function initialSizeReport({ budgetBytes }: Options): Plugin {
  let outDir = "";
  return {
    name: "llm-router-initial-size-report",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
    },
    writeBundle(_options, bundle) {
      const files = initialFiles(bundle).map((name) => ({ name, gzip: sizeOf(bundle, name) }));
      const total = files.reduce((sum, file) => sum + file.gzip, 0);
      const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
      for (const file of files) console.log(`  ${file.name.padEnd(40)} ${kb(file.gzip).padStart(9)} gzip`);
      const verdict = total <= budgetBytes ? "within" : "OVER";
      console.log(`initial JS + CSS: ${kb(total)} gzip (${verdict} the ${kb(budgetBytes)} target)`);
      const report = { files, total_gzip_bytes: total, budget_bytes: budgetBytes };
      writeFileSync(join(outDir, "size-report.json"), JSON.stringify(report, null, 2));
      if (total > budgetBytes && process.env.LLM_ROUTER_WEB_STRICT_BUDGET === "1") {
        throw new Error(`initial bundle ${kb(total)} exceeds ${kb(budgetBytes)}`);
      }
    },
  };
}
