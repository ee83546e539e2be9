// The message column: the shown pages of the open conversation's path, notices, the first-run empty state.
// A long conversation opens at its newest page; scrolling near the top loads earlier pages without moving
// what is on screen, and after a jump into the middle (a search hit) scrolling down loads later ones.
// The DOM stays bounded: past MAX_SHOWN messages the far end is dropped again (and reloads on demand).
// A page is shown screen first: the messages on screen are rendered at once, the rest of the page around
// them in idle time (ui/backlog.ts), so opening a long conversation never blocks for the whole page.
// "Jump to latest" appears once the newest message is out of sight.
import type { PageEvent, Store } from "../lib/store";
import type { Conversation, Message } from "../lib/types";
import { Backlog, type Side } from "./backlog";
import { h, type Component } from "./dom";
import { MessageView, type MessageActions } from "./message";
import { pinnedBlock, type PinnedActions } from "./pinned";

export interface PagingActions {
  /** Fetch the page above / below the shown messages; false when it failed (no automatic retry then). */
  loadEarlier(): Promise<boolean>;
  loadLater(): Promise<boolean>;
  /** Show the newest page again (after a jump or a long scroll up). */
  reload(): Promise<void>;
}

type Where = PageEvent["where"];

/** Start loading this far (px) before the user reaches the end of what is shown. */
const EDGE_PX = 800;
/** Messages kept in the DOM at most (three pages): a 10 000-message conversation costs what 300 do. */
export const MAX_SHOWN = 300;
/** Chrome and Firefox keep the view still when content goes in above it (not at scroll offset 0). */
const NATIVE_ANCHORING = CSS.supports("overflow-anchor", "auto");
/** Rendered at once when a page opens at its end (more than a tall screen holds of short messages)… */
const FIRST = 8;
/** …or around a message it opens at (a search hit), on each side… */
const AROUND = 6;
/** …and then more, a few at a time, until they are this many screens tall. */
const FILL_SCREENS = 1.25;

export class ChatView implements Component {
  readonly el: HTMLElement;
  private column = h("div", { class: "column" });
  private readonly loaders: Record<Where, HTMLButtonElement>;
  private views = new Map<string, MessageView>();
  private readonly backlog = new Backlog({
    build: (m) => this.build(this.current(m)),
    insert: (els, side, last) => this.insert(els, side, last),
  });
  private pinned: Component | null = null;
  readonly jump = h("button", { type: "button", class: "btn jump-latest", hidden: true, onclick: () => void this.jumpToLatest() }, "↓ latest");
  private readonly offs: (() => void)[] = [];
  private loading: Where | null = null;
  private isOpening = false;
  private failed: Where | null = null;
  /** Where the next render puts the view: a message centred, or at `top` px from the chat's top. */
  private focus: { id: string; top?: number } | null = null;

  constructor(
    private readonly store: Store,
    private readonly actions: MessageActions & PagingActions & PinnedActions,
  ) {
    this.loaders = { earlier: this.loader("earlier"), later: this.loader("later") };
    this.el = h("main", { class: "chat", id: "chat", tabindex: -1, "data-scroll-root": true }, this.column, this.loaders.later);
    this.el.addEventListener("scroll", () => { this.maybeLoad(); this.syncJump(); }, { passive: true });
    this.offs.push(
      store.on("conversation", (c) => this.render(c)),
      store.on("page", (p) => this.addPage(p)),
      // the models only matter to the empty state (the hint when no provider is configured)
      store.on("models", () => this.isOpening || store.conversation?.messages.length || this.render(store.conversation)),
      store.on("message", (m) => {
        const view = this.views.get(m.id);
        if (!view) return; // still in the backlog: it is built from the store's version when its turn comes
        const stick = this.nearBottom();
        view.update(m);
        if (stick) this.toBottom();
        else this.syncJump();
      }),
    );
    this.render(store.conversation);
  }

  /** A transient line in the chat (command output, errors): not part of the conversation. */
  notice(lines: string[], kind: "info" | "error" = "info"): HTMLElement {
    const box = h("section", { class: `chat-notice ${kind}`, role: "status" }, ...lines.map((l) => h("div", {}, l)));
    this.column.append(box);
    this.toBottom();
    return box;
  }

  flashMessage(id: string): boolean {
    if (this.backlog.includes(id)) this.backlog.flush();
    const view = this.views.get(id);
    view?.flash();
    return view !== undefined;
  }

  /** A conversation is on its way: a quiet line in place of the new-chat empty state, which would
   *  otherwise flash up first (a link to a conversation, a reload). */
  opening(on: boolean): void {
    this.isOpening = on;
    this.column.querySelector(".opening")?.remove();
    const empty = this.column.querySelector<HTMLElement>(".empty-state");
    if (empty) empty.hidden = on;
    if (on) this.column.append(h("p", { class: "dim opening", role: "status" }, "loading conversation…"));
  }

  /** The next render shows message `id` in the middle of the screen (a search hit). */
  focusOn(id: string): void {
    this.focus = { id };
  }

  /** The next render puts `replacement` exactly where message `id` is now (switching a version). */
  keepInPlace(id: string, replacement: string): void {
    const view = this.views.get(id);
    this.focus = view ? { id: replacement, top: this.offsetOf(view.el) } : { id: replacement };
  }

  dispose(): void {
    this.backlog.cancel();
    this.offs.forEach((off) => off());
    this.views.forEach((v) => v.dispose());
    this.el.remove();
  }

  private render(conversation: Conversation | null): void {
    this.isOpening = false;
    this.backlog.cancel();
    this.views.forEach((v) => v.dispose());
    this.views = new Map();
    this.pinned?.dispose();
    this.pinned = conversation ? pinnedBlock(conversation, this.actions) : null;
    // A new column, not the old one emptied: content that arrives is new, never "moved" (no layout
    // shift when the pinned block appears above it). The "earlier" button is the column's first child:
    // appearing above the messages it is one more thing put in above them, which the scroll offset
    // takes up (outside, it moved the column itself, a layout shift of the whole screen).
    const column = h("div", { class: "column" }, this.loaders.earlier);
    this.column.replaceWith(column);
    this.column = column;
    this.column.before(...(this.pinned ? [this.pinned.el] : []));
    this.failed = null;
    const messages = (conversation?.messages ?? []).filter((m) => m.role !== "system");
    const focus = this.focus;
    this.focus = null;
    if (messages.length === 0) {
      this.renderLoaders();
      this.column.append(this.emptyState(conversation));
      return;
    }
    const [start, end] = this.renderScreen(messages, focus?.id);
    this.backlog.start(messages.slice(0, start), messages.slice(end));
    this.renderLoaders();
    const target = focus ? this.views.get(focus.id) : undefined;
    if (!target) this.toBottom();
    else if (focus?.top === undefined) target.el.scrollIntoView({ block: "center" });
    else this.el.scrollTop += this.offsetOf(target.el) - focus.top;
    this.maybeLoad(); // a page shorter than the screen never scrolls, so no scroll event would ask
    this.syncJump();
  }

  /** Renders the messages that will be on screen: the newest, or those around `focusId`, then a few
   *  more at a time until they fill the screen (short messages) . Returns the rendered range [start, end). */
  private renderScreen(messages: Message[], focusId: string | undefined): [number, number] {
    const at = focusId ? messages.findIndex((m) => m.id === focusId) : -1;
    let start = at < 0 ? Math.max(0, messages.length - FIRST) : Math.max(0, at - AROUND);
    let end = at < 0 ? messages.length : Math.min(messages.length, at + AROUND + 1);
    this.column.append(...messages.slice(start, end).map((m) => this.build(m)));
    while ((start > 0 || end < messages.length) && this.column.offsetHeight < this.el.clientHeight * FILL_SCREENS) {
      if (start > 0) {
        const from = Math.max(0, start - 4);
        this.loaders.earlier.after(...messages.slice(from, start).map((m) => this.build(m)));
        start = from;
      } else {
        const to = Math.min(messages.length, end + 4);
        this.column.append(...messages.slice(end, to).map((m) => this.build(m)));
        end = to;
      }
    }
    return [start, end];
  }

  /** Messages from the backlog go in above or below the rendered ones; above, the scroll offset grows
   *  by their height, so what is on screen stays where it is. */
  private insert(els: HTMLElement[], side: Side, last: boolean): void {
    if (side === "below") {
      const after = this.lastMessage();
      if (after) after.after(...els);
      else this.loaders.earlier.after(...els);
      if (last) this.renderLoaders();
    } else if (NATIVE_ANCHORING && this.el.scrollTop > 0) {
      // The browser keeps what is on screen in place itself (CSS scroll anchoring), at the next layout:
      // no layout forced here, which made each of these small tasks several times longer.
      this.loaders.earlier.after(...els);
      if (last) this.renderLoaders();
    } else {
      const height = this.el.scrollHeight;
      const top = this.el.scrollTop;
      this.loaders.earlier.after(...els);
      if (last) this.renderLoaders(); // the "earlier" button appears with the first message, above it
      this.el.scrollTop = top + (this.el.scrollHeight - height);
    }
    if (last) this.maybeLoad();
    this.syncJump();
  }

  private async jumpToLatest(): Promise<void> {
    // The newest page again (rendered from its end) when it is not all in the DOM yet.
    if (this.store.conversation?.has_later || this.backlog.has("below")) await this.actions.reload();
    this.toBottom();
    this.syncJump();
    this.el.focus({ preventScroll: true }); // the button is gone: focus stays in the chat (no phone keyboard)
  }

  /** Shown while the newest message is out of sight: scrolled up, or only a middle page is loaded. */
  private syncJump(): void {
    const later = Boolean(this.store.conversation?.has_later) || this.backlog.has("below");
    const away = this.views.size > 0 && (later || !this.nearBottom(400));
    if (this.jump.hidden === away) this.jump.hidden = !away;
  }

  private build(message: Message): HTMLElement {
    const view = new MessageView(message, this.actions);
    this.views.set(message.id, view);
    return view.el;
  }

  /** The store's version of a message that waited in the backlog (an update may have replaced it). */
  private current(message: Message): Message {
    return this.store.conversation?.messages.find((m) => m.id === message.id) ?? message;
  }

  private lastMessage(): Element | undefined {
    return [...this.column.querySelectorAll(":scope > .msg")].at(-1);
  }

  /** New messages above keep what is on screen in place: the scroll offset grows by their height. */
  private addPage({ where, messages }: PageEvent): void {
    this.backlog.flush(); // the page goes next to the whole shown page
    const els = messages.filter((m) => m.role !== "system").map((m) => this.build(m));
    const height = this.el.scrollHeight;
    const top = this.el.scrollTop;
    if (where === "earlier") {
      this.loaders.earlier.after(...els);
    } else {
      const last = this.lastMessage();
      (last ?? this.loaders.earlier).after(...els);
    }
    if (where === "earlier") this.el.scrollTop = top + (this.el.scrollHeight - height);
    this.bound(where === "earlier" ? "later" : "earlier");
    this.renderLoaders();
    this.syncJump();
  }

  /** Drops messages from the far end (`from`) beyond MAX_SHOWN; what is on screen does not move. */
  private bound(from: Where): void {
    const extra = this.views.size - MAX_SHOWN;
    if (extra <= 0) return;
    const dropped = this.store.dropMessages(from, extra);
    const height = this.el.scrollHeight;
    const top = this.el.scrollTop;
    for (const id of dropped) {
      this.views.get(id)?.dispose();
      this.views.delete(id);
    }
    if (from === "earlier") this.el.scrollTop = top - (height - this.el.scrollHeight);
  }

  private loader(where: Where): HTMLButtonElement {
    return h("button", {
      type: "button",
      class: `page-loader ${where}`,
      hidden: true,
      onclick: () => void this.load(where),
    });
  }

  private renderLoaders(): void {
    const conversation = this.store.conversation;
    for (const where of ["earlier", "later"] as const) {
      const el = this.loaders[where];
      // not while part of the shown page still waits on that side: that part comes first
      const more = where === "earlier" ? conversation?.has_earlier : conversation?.has_later;
      el.hidden = !more || this.backlog.has(where === "earlier" ? "above" : "below");
      const busy = this.loading === where;
      el.setAttribute("aria-busy", String(busy));
      el.textContent = busy
        ? `loading ${where} messages…`
        : this.failed === where
          ? `could not load ${where} messages — tap to retry`
          : `${where === "earlier" ? "↑" : "↓"} ${where} messages`;
    }
  }

  private maybeLoad(): void {
    const conversation = this.store.conversation;
    if (!conversation || this.loading || this.backlog.pending) return;
    const fromBottom = this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight;
    if (conversation.has_earlier && this.failed !== "earlier" && this.el.scrollTop < EDGE_PX) void this.load("earlier");
    else if (conversation.has_later && this.failed !== "later" && fromBottom < EDGE_PX) void this.load("later");
  }

  private async load(where: Where): Promise<void> {
    if (this.loading) return;
    const id = this.store.conversation?.id;
    this.loading = where;
    this.failed = null;
    this.renderLoaders();
    const ok = await (where === "earlier" ? this.actions.loadEarlier() : this.actions.loadLater());
    this.loading = null;
    if (this.store.conversation?.id !== id) return; // another conversation was opened meanwhile
    this.failed = ok ? null : where;
    this.renderLoaders();
    if (ok) this.maybeLoad(); // still near the edge (a short page, or a fast scroll): go on
  }

  private emptyState(conversation: Conversation | null): HTMLElement {
    const info = this.store.modelsInfo;
    const lines: (HTMLElement | string)[] = [];
    if (info && info.models.length === 0) {
      lines.push(
        h("p", { class: "warn" }, "No model provider is configured yet."),
        h("p", { class: "hint" }, info.hint ?? "Set OPENAI_API_KEY (or add a key under settings) and restart."),
      );
    } else {
      lines.push(
        h("p", {}, conversation ? "Empty conversation." : "Ready."),
        h("p", { class: "dim" }, `Type a message and ${matchMedia("(pointer: coarse)").matches ? "tap send" : "press Enter"}. Type / for commands, /help for the list.`),
      );
    }
    return h("section", { class: "empty-state frame" }, h("pre", { class: "logo", "aria-hidden": "true" }, "▌llm-router"), ...lines);
  }

  private offsetOf(el: HTMLElement): number {
    return el.getBoundingClientRect().top - this.el.getBoundingClientRect().top;
  }

  private nearBottom(px = 80): boolean {
    return this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < px;
  }

  private toBottom(): void {
    this.el.scrollTop = this.el.scrollHeight;
  }
}
