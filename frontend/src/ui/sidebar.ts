// The conversation list (a drawer on phones, a pane from 1024 px): search, infinite scroll, compact rows
// grouped Today / Yesterday / Previous 7 days / Older with dates in the user's locale, actions in a menu.
import { DATE_FORMATS, formatDate } from "../lib/format";
import type { Store } from "../lib/store";
import type { ConversationSummary, SearchResult } from "../lib/types";
import { button, h, icon, type Component } from "./dom";
import { renderSnippet } from "./markdown";
import { afterPaint } from "./idle";
import { menuButton } from "./menu";

const DAY = 86_400_000;

/** Which group a time falls in, counted in the user's own calendar days. */
export function groupOf(iso: string, now = new Date()): string {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const t = new Date(iso).getTime();
  if (t >= start) return "Today";
  if (t >= start - DAY) return "Yesterday";
  if (t >= start - 7 * DAY) return "Previous 7 days";
  return "Older";
}

/** A short date in the user's locale: the time today, the weekday this week, else the date. */
export function shortDate(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const group = groupOf(iso, now);
  const options =
    group === "Today" || group === "Yesterday"
      ? DATE_FORMATS.time
      : group === "Previous 7 days"
        ? DATE_FORMATS.weekday
        : date.getFullYear() === now.getFullYear()
          ? DATE_FORMATS.day
          : DATE_FORMATS.dayOfYear;
  return formatDate(date, options);
}

/** A branch (from a message) or a clone (the whole tree) of another conversation. */
export function lineage(c: ConversationSummary): "branch" | "clone" | null {
  if (!c.parent_conversation_id) return null;
  return c.branch_message_id ? "branch" : "clone";
}

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
  private scheduled = false;

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
    // Several list changes come together (the list, then the opened conversation's entry): they are
    // drawn once, after the next paint, not inside the task that shows a conversation.
    this.offs.push(store.on("list", () => this.scheduleRender()), store.on("conversation", () => this.markActive()));
    this.render();
  }

  /** Runs a search (also used by /search) and shows the hits in place of the list. */
  async runSearch(query: string): Promise<void> {
    this.searchInput.value = query;
    if (!query.trim()) return this.showResults(null);
    this.showResults(await this.actions.search(query.trim()));
  }

  focusSearch(): void {
    this.searchInput.focus();
    this.searchInput.select();
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

  private scheduleRender(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    afterPaint(() => {
      this.scheduled = false;
      if (this.el.isConnected) this.render();
    });
  }

  private render(): void {
    this.observer.disconnect();
    // A re-render (a title arrived, a row moved) must not drop keyboard focus to <body>.
    const focused = this.list.contains(document.activeElement) ? (document.activeElement?.closest<HTMLElement>(".conv")?.dataset.id ?? null) : null;
    const items: HTMLElement[] = [];
    let group = "";
    for (const c of this.store.list) {
      const next = groupOf(c.updated_at);
      if (next !== group) items.push(h("li", { class: "conv-group" }, (group = next)));
      items.push(this.item(c));
    }
    if (this.store.listLoaded && items.length === 0) items.push(h("li", { class: "empty" }, "no conversations yet"));
    this.list.replaceChildren(...items, this.sentinel);
    this.markActive();
    if (focused) this.list.querySelector<HTMLElement>(`.conv[data-id="${focused}"] .conv-open`)?.focus();
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
    const kind = lineage(c);
    const open = h(
      "button",
      { type: "button", class: "conv-open", onclick: () => this.actions.open(c.id) },
      kind ? icon(kind, `${kind} of another conversation`) : null,
      h("span", { class: "conv-title" }, c.title || "untitled"),
      h("time", { class: "conv-meta", datetime: c.updated_at, title: formatDate(new Date(c.updated_at)) }, shortDate(c.updated_at)),
    );
    const tools = h("div", { class: "conv-tools" });
    tools.append(
      menuButton(`actions for ${c.title || "untitled"}`, () => [
        { label: "rename", run: () => this.startRename(li, c) },
        { label: "clone", run: () => this.actions.clone(c.id) },
        { label: "delete…", run: () => this.confirmDelete(tools, c), danger: true },
      ]),
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
      if (event.key === "Escape") {
        event.preventDefault(); // cancels the rename only: the drawer stays open
        this.render();
      }
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
    tools.classList.add("confirming");
    tools.querySelector<HTMLElement>(".danger")?.focus();
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
          h(
            "span",
            { class: "hit-meta" },
            h("span", { class: `hit-role role-${r.role ?? "title"}` }, r.role === "user" ? "you" : (r.role ?? "title")),
            " · ",
            h("time", { datetime: r.created_at }, formatDate(new Date(r.created_at), { dateStyle: "medium", timeStyle: "short" })),
          ),
          h("span", { class: "snippet" }, renderSnippet(r.snippet)),
        ),
      ),
    );
    if (rows.length === 0) rows.push(h("li", { class: "empty" }, "nothing found"));
    this.results.replaceChildren(...rows);
  }
}
