// The conversation list (a drawer on phones, a pane from 1024 px): search, infinite scroll, actions.
import type { Store } from "../lib/store";
import type { ConversationSummary, SearchResult } from "../lib/types";
import { button, h, type Component } from "./dom";
import { renderSnippet } from "./markdown";

export interface SidebarActions {
  open(id: string): void;
  openMessage(conversationId: string, messageId: string | null): void;
  newConversation(): void;
  rename(id: string, title: string): void;
  remove(id: string): void;
  clone(id: string): void;
  loadMore(): Promise<void>;
  search(query: string): Promise<SearchResult[]>;
}

export class Sidebar implements Component {
  readonly el: HTMLElement;
  private readonly list = h("ul", { class: "conv-list", "aria-label": "conversations" });
  private readonly results = h("ul", { class: "search-results", "aria-label": "search results", hidden: true });
  private readonly searchInput: HTMLInputElement;
  private readonly sentinel = h("li", { class: "sentinel", "aria-hidden": "true" });
  private readonly observer: IntersectionObserver;
  private readonly offs: (() => void)[] = [];
  private loading = false;

  constructor(
    private readonly store: Store,
    private readonly actions: SidebarActions,
  ) {
    this.searchInput = h("input", {
      type: "search",
      class: "search",
      placeholder: "search all conversations",
      "aria-label": "search conversations",
      enterkeyhint: "search",
    });
    this.searchInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") void this.runSearch(this.searchInput.value);
    });
    this.searchInput.addEventListener("input", () => {
      if (!this.searchInput.value.trim()) this.showResults(null);
    });
    this.el = h(
      "nav",
      { class: "sidebar", id: "sidebar", "aria-label": "conversations" },
      h("div", { class: "side-head" }, button("+ new", () => actions.newConversation(), { class: "btn new-conv" }), this.searchInput),
      this.results,
      this.list,
    );
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void this.more();
    });
    this.offs.push(store.on("list", () => this.render()), store.on("conversation", () => this.markActive()));
    this.render();
  }

  /** Runs a search (also used by /search) and shows the hits in place of the list. */
  async runSearch(query: string): Promise<void> {
    this.searchInput.value = query;
    if (!query.trim()) return this.showResults(null);
    this.showResults(await this.actions.search(query.trim()));
  }

  dispose(): void {
    this.observer.disconnect();
    this.offs.forEach((off) => off());
    this.el.remove();
  }

  private async more(): Promise<void> {
    if (this.loading || !this.store.nextCursor) return;
    this.loading = true;
    try {
      await this.actions.loadMore();
    } finally {
      this.loading = false;
    }
  }

  private render(): void {
    this.observer.disconnect();
    const items = this.store.list.map((c) => this.item(c));
    if (this.store.listLoaded && items.length === 0) items.push(h("li", { class: "empty" }, "no conversations yet"));
    this.list.replaceChildren(...items, this.sentinel);
    this.markActive();
    if (this.store.nextCursor) this.observer.observe(this.sentinel);
  }

  private markActive(): void {
    const active = this.store.conversation?.id;
    for (const li of Array.from(this.list.querySelectorAll<HTMLElement>(".conv"))) {
      li.classList.toggle("active", li.dataset.id === active);
    }
  }

  private item(c: ConversationSummary): HTMLElement {
    const li = h("li", { class: "conv", "data-id": c.id });
    const open = h(
      "button",
      { type: "button", class: "conv-open", onclick: () => this.actions.open(c.id) },
      h("span", { class: "conv-title" }, c.title || "untitled"),
      h("span", { class: "conv-meta" }, `${c.message_count} msg · ${new Date(c.updated_at).toLocaleDateString()}`),
    );
    const tools = h(
      "div",
      { class: "conv-tools" },
      button("rename", () => this.startRename(li, c)),
      button("clone", () => this.actions.clone(c.id)),
      button("delete", () => this.confirmDelete(tools, c)),
    );
    li.append(open, tools);
    return li;
  }

  private startRename(li: HTMLElement, c: ConversationSummary): void {
    const input = h("input", { class: "rename", "aria-label": "new title", value: c.title });
    const save = (): void => {
      const title = input.value.trim();
      if (title && title !== c.title) this.actions.rename(c.id, title);
      else this.render();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") save();
      if (event.key === "Escape") this.render();
    });
    li.replaceChildren(input, h("div", { class: "conv-tools" }, button("save", save), button("cancel", () => this.render())));
    input.focus();
    input.select();
  }

  private confirmDelete(tools: HTMLElement, c: ConversationSummary): void {
    tools.replaceChildren(
      h("span", { class: "confirm" }, "delete?"),
      button("yes, delete", () => this.actions.remove(c.id), { class: "btn danger" }),
      button("keep", () => this.render()),
    );
  }

  private showResults(results: SearchResult[] | null): void {
    this.results.hidden = results === null;
    this.list.hidden = results !== null;
    if (!results) return;
    const rows = results.map((r) =>
      h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: "result", onclick: () => this.actions.openMessage(r.conversation_id, r.message_id) },
          h("span", { class: "conv-title" }, r.conversation_title || "untitled"),
          h("span", { class: "snippet" }, renderSnippet(r.snippet)),
        ),
      ),
    );
    if (rows.length === 0) rows.push(h("li", { class: "empty" }, "nothing found"));
    this.results.replaceChildren(...rows);
  }
}
