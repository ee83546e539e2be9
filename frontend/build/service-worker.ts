// Emits the service worker (frontend/sw.js) with this build's version in it. A browser looks for a new
// version of an app only by comparing sw.js byte for byte, so a build whose code changed must change
// sw.js too: the version is a hash of every output file name (hashed by content), the worker's own
// source and the public files.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Plugin } from "vite";

export function serviceWorker(source = "sw.js"): Plugin {
  let root = "";
  let publicDir = "";
  return {
    name: "service-worker",
    apply: "build",
    enforce: "post",
    configResolved(config) {
      root = config.root;
      publicDir = config.publicDir;
    },
    generateBundle(_options, bundle) {
      const code = readFileSync(join(root, source), "utf8");
      const hash = createHash("sha256").update(Object.keys(bundle).sort().join("\n")).update(code);
      for (const name of publicDir ? readdirSync(publicDir).sort() : []) {
        hash.update(name).update(readFileSync(join(publicDir, name)));
      }
      const version = hash.digest("hex").slice(0, 16);
      this.emitFile({ type: "asset", fileName: "sw.js", source: code.replace("__BUILD_VERSION__", version) });
    },
  };
}
