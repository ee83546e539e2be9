// The message column: the active path of the open conversation, notices, and the first-run empty state.
import type { Store } from "../lib/store";
import type { Conversation } from "../lib/types";
import { h, type Component } from "./dom";
import { MessageView, type MessageActions } from "./message";

export class ChatView implements Component {
  readonly el: HTMLElement;
  private readonly column = h("div", { class: "column" });
  private views = new Map<string, MessageView>();
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly actions: MessageActions,
  ) {
    this.el = h("main", { class: "chat", id: "chat", tabindex: -1 }, this.column);
    this.offs.push(
      store.on("conversation", (c) => this.render(c)),
      // the models only matter to the empty state (the hint when no provider is configured)
      store.on("models", () => store.conversation?.messages.length || this.render(store.conversation)),
      store.on("message", (m) => {
        const stick = this.nearBottom();
        this.views.get(m.id)?.update(m);
        if (stick) this.toBottom();
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
    const view = this.views.get(id);
    view?.flash();
    return view !== undefined;
  }

  dispose(): void {
    this.offs.forEach((off) => off());
    this.views.forEach((v) => v.dispose());
    this.el.remove();
  }

  private render(conversation: Conversation | null): void {
    this.views.forEach((v) => v.dispose());
    this.views = new Map();
    this.column.replaceChildren();
    const messages = conversation?.messages.filter((m) => m.role !== "system") ?? [];
    if (messages.length === 0) {
      this.column.append(this.emptyState(conversation));
      return;
    }
    for (const message of messages) {
      const view = new MessageView(message, this.actions);
      this.views.set(message.id, view);
      this.column.append(view.el);
    }
    this.toBottom();
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
        h("p", { class: "dim" }, "Type a message and press Enter. Type / for commands, /help for the list."),
      );
    }
    return h("section", { class: "empty-state frame" }, h("pre", { class: "logo", "aria-hidden": "true" }, "▌llm-router"), ...lines);
  }

  private nearBottom(): boolean {
    return this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < 80;
  }

  private toBottom(): void {
    this.el.scrollTop = this.el.scrollHeight;
  }
}
