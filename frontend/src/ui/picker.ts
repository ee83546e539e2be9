// The model picker: a searchable, scrollable list grouped by provider (recently used first), each model
// with its price in/out per 1M tokens, context window and capability marks; a provider whose model list
// failed shows its error here, before anything is sent. A combobox: the search box owns the list.
import { fuzzyFilter } from "../lib/fuzzy";
import type { CatalogModel, ModelsInfo } from "../lib/types";
import { button, h, type Component } from "./dom";

const RECENT_KEY = "llm-router.recent-models";
const FALLBACK_NOTE = "fallback: from the bundled list; the provider's live list did not include it or failed to load";

export function recentModels(): string[] {
  try {
    const saved = JSON.parse(localStorage.getItem(RECENT_KEY) ?? "[]") as unknown;
    return Array.isArray(saved) ? saved.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

export function rememberModel(id: string): void {
  const next = [id, ...recentModels().filter((x) => x !== id)].slice(0, 5);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(next));
  } catch {
    /* not remembered without storage */
  }
}

function money(perMtok: number): string {
  return `$${Number(perMtok.toPrecision(3))}`;
}

function context(tokens: number | null | undefined): string | null {
  if (!tokens) return null;
  return tokens >= 1_000_000 ? `${Number((tokens / 1_000_000).toFixed(1))}M ctx` : `${Math.round(tokens / 1000)}k ctx`;
}

function marks(m: CatalogModel): string[] {
  const caps = m.capabilities ?? {};
  return [caps.vision ? "vision" : "", caps.reasoning ? "reasoning" : "", caps.tools ? "tools" : "", m.is_local ? "local" : ""].filter(Boolean);
}

export function modelPicker(info: ModelsInfo, current: string | null, choose: (id: string) => void, close: () => void, compare?: () => void): Component {
  const search = h("input", {
    type: "search",
    class: "picker-search",
    role: "combobox",
    "aria-label": "search models",
    "aria-expanded": "true",
    "aria-controls": "picker-list",
    "aria-autocomplete": "list",
    placeholder: "search models",
    autocomplete: "off",
  });
  const list = h("div", { class: "picker-list", id: "picker-list", role: "listbox", "aria-label": "models" });
  let options: HTMLElement[] = [];
  let active = 0;

  const option = (m: CatalogModel, key: string): HTMLElement => {
    const price = m.price ? `${money(m.price.input_per_mtok)} in · ${money(m.price.output_per_mtok)} out /1M` : "price unknown";
    const el = h(
      "div",
      {
        role: "option",
        id: `pick-${key}-${m.id.replace(/[^\w-]/g, "_")}`,
        class: "pick",
        "data-model": m.id,
        "aria-selected": String(m.id === current),
        onclick: () => choose(m.id),
      },
      h("span", { class: "pick-name" }, m.id),
      h(
        "span",
        { class: "pick-meta" },
        h("span", { class: "pick-price" }, m.provider === "llm-router" ? `route: ${m.model}` : price),
        context(m.capabilities?.context_window) ? h("span", {}, context(m.capabilities?.context_window)!) : null,
        ...marks(m).map((mark) => h("span", { class: `mark mark-${mark}` }, mark)),
        m.source === "fallback" ? h("span", { class: "mark mark-fallback", title: FALLBACK_NOTE }, "fallback") : null,
      ),
    );
    return el;
  };

  const render = (): void => {
    const query = search.value.trim();
    const models = query ? fuzzyFilter(query, info.models, (m) => `${m.id} ${m.provider}`).map((hit) => hit.item) : info.models;
    const groups: HTMLElement[] = [];
    options = [];
    const recent = query ? [] : recentModels().map((id) => info.models.find((m) => m.id === id)).filter((m): m is CatalogModel => !!m);
    if (recent.length) {
      const items = recent.map((m) => option(m, "recent"));
      options.push(...items);
      groups.push(h("div", { role: "group", class: "pick-group", "aria-label": "recently used" }, h("div", { class: "pick-head", "aria-hidden": "true" }, "recently used"), ...items));
    }
    // Providers in error first: what will fail is seen before scrolling.
    const failing = (name: string): number => (info.providers.find((p) => p.name === name)?.status === "error" ? 0 : 1);
    const providers = [...new Set(models.map((m) => m.provider))].sort((a, b) => failing(a) - failing(b));
    for (const name of providers) {
      const provider = info.providers.find((p) => p.name === name);
      const status = !provider ? "" : provider.status === "error" ? `error: ${provider.error ?? "the model list failed"}` : provider.status === "unknown" ? "not checked yet" : "ok";
      const items = models.filter((m) => m.provider === name).map((m) => option(m, "all"));
      options.push(...items);
      groups.push(
        h(
          "div",
          { role: "group", class: "pick-group", "aria-label": name },
          h(
            "div",
            { class: "pick-head", "data-status": provider?.status ?? "ok", "aria-hidden": "true" },
            h("span", {}, name === "llm-router" ? "routes" : name),
            h("span", { class: "pick-status" }, status),
          ),
          ...items,
        ),
      );
    }
    // Providers with no model listed at all (their list failed) still say so.
    for (const provider of info.providers.filter((p) => !providers.includes(p.name) && !query)) {
      groups.unshift(h("div", { class: "pick-head", "data-status": provider.status }, h("span", {}, provider.name), h("span", { class: "pick-status" }, provider.status === "error" ? `error: ${provider.error ?? ""}` : "no models")));
    }
    list.replaceChildren(...groups);
    if (options.length === 0) list.append(h("p", { class: "dim pick-empty" }, "no model matches"));
    select(0);
  };

  const select = (index: number): void => {
    options[active]?.classList.remove("active");
    active = Math.max(0, Math.min(index, options.length - 1));
    const el = options[active];
    if (!el) return search.removeAttribute("aria-activedescendant");
    el.classList.add("active");
    search.setAttribute("aria-activedescendant", el.id);
    el.scrollIntoView({ block: "nearest" });
  };

  search.addEventListener("input", render);
  search.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      select(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      event.preventDefault();
      const id = options[active]?.dataset.model;
      if (id) choose(id);
    }
  });

  const el = h(
    "section",
    { class: "picker frame", role: "dialog", "aria-label": "choose a model", "aria-modal": "true" },
    h("header", { class: "settings-head" }, h("h2", {}, "┤ model ├"), compare && button("compare…", compare), button("close", close)),
    search,
    list,
    h("p", { class: "dim pick-note" }, "prices in USD per 1M tokens · ", h("span", { class: "mark mark-fallback" }, "fallback"), " = " + FALLBACK_NOTE.replace(/^fallback: /, "")),
  );
  render();
  queueMicrotask(() => search.focus());
  return { el, dispose: () => el.remove() };
}
