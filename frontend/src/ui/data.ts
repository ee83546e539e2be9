// "Your data" in Settings: download everything as a zip, import an export (ours, ChatGPT, Claude.ai,
// Open WebUI) with a progress bar and the server's per-item report.
import { ApiError, type Api } from "../lib/api";
import type { ImportReport } from "../lib/types";
import { h } from "./dom";

function reportLines(report: ImportReport): HTMLElement[] {
  return report.items.map((item) =>
    h(
      "li",
      { class: `import-${item.outcome}` },
      `${item.outcome} · ${item.title || item.item}${item.messages ? ` · ${item.messages} messages` : ""}${item.reason ? ` — ${item.reason}` : ""}`,
    ),
  );
}

export function dataSection(api: Api): HTMLElement {
  const status = h("p", { class: "form-note", "aria-live": "polite" });
  const progress = h("progress", { class: "import-progress", hidden: "" });
  const list = h("ul", { class: "import-report" });
  const input = h("input", { type: "file", accept: ".json,.zip,application/json,application/zip", "aria-label": "export file to import" });
  const form = h("form", { class: "import-form" }, input, h("button", { type: "submit", class: "btn" }, "import"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = input.files?.[0];
    if (!file) return void (status.textContent = "choose a file first");
    progress.hidden = false;
    list.replaceChildren();
    status.textContent = `importing ${file.name} (${(file.size / 1e6).toFixed(1)} MB)…`;
    api.importFile(file, file.name).then(
      (report) => {
        status.textContent = `imported ${report.imported} · already there ${report.duplicates} · skipped ${report.skipped}`;
        list.replaceChildren(...reportLines(report));
        form.reset();
      },
      (e: unknown) => void (status.textContent = e instanceof ApiError ? e.message : "import failed"),
    ).finally(() => void (progress.hidden = true));
  });
  return h(
    "div",
    { class: "data-section" },
    h("h3", {}, "your data"),
    h("div", { class: "row" }, h("a", { class: "btn", href: "/api/export", download: "" }, "export all (zip)")),
    h("p", { class: "dim" }, "import: llm-router JSON or zip, ChatGPT or Claude.ai export (zip or conversations.json), Open WebUI chat export"),
    form,
    progress,
    status,
    list,
  );
}
