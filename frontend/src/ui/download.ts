// Downloads started from the page (exports): a same-origin link clicked, so the session cookie goes along.
import { h } from "./dom";

/** Start a download of a same-origin URL (the session cookie goes along; no page change). */
export function downloadUrl(url: string): void {
  const link = h("a", { href: url, download: "" });
  document.body.append(link);
  link.click();
  link.remove();
}
