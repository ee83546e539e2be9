// One message as a framed terminal block: header, body (markdown), state line with actions, details.
import { formatCost, formatMs, formatTokens } from "../lib/format";
import type { Message } from "../lib/types";
import { button, copyButton, h, loadMedia, type Component } from "./dom";
import { highlightIn } from "./markdown";
import { StreamingMarkdown } from "./streaming";

export interface MessageActions {
  branch(message: Message): void;
  edit(message: Message, content: string): void;
  retry(message: Message): void;
  cancel(message: Message): void;
  continue(message: Message): void;
  switchTo(message: Message, siblingId: string): void;
}

const STATE_TEXT: Record<string, string> = {
  pending: "waiting for the model…",
  streaming: "streaming…",
  interrupted: "interrupted — the server stopped before the answer was finished",
  cancelled: "cancelled",
};

export class MessageView implements Component {
  readonly el: HTMLElement;
  private readonly body: StreamingMarkdown;
  private readonly state = h("div", { class: "msg-state" });
  private readonly note = h("div", { class: "msg-note", hidden: true });
  private readonly reasoning = h("details", { class: "msg-reasoning", hidden: true });
  private readonly reasoningText = h("div", { class: "reasoning-text" });
  private readonly details = h("dl", { class: "msg-details", hidden: true });
  private readonly footer = h("div", { class: "msg-actions" });
  private message: Message;

  constructor(
    message: Message,
    private readonly actions: MessageActions,
  ) {
    this.message = message;
    this.body = new StreamingMarkdown("msg-body md");
    const header = h(
      "button",
      { type: "button", class: "msg-head", "aria-label": "show message details", onclick: () => this.toggleDetails() },
      h("span", { class: "who" }, message.role === "user" ? "you" : message.role),
      h("span", { class: "meta" }),
    );
    this.el = h("article", { class: `msg msg-${message.role}`, "data-message-id": message.id });
    this.reasoning.append(h("summary", {}, "reasoning"), this.reasoningText);
    this.el.append(header, this.details, this.note, this.reasoning, this.body.el, this.state, this.footer);
    this.update(message, true);
    void loadMedia().then((m) => m.decorate(this.body.el, message)); // thumbnails, read aloud
  }

  get id(): string {
    return this.message.id;
  }

  /** Applies a new state of the message; streaming text re-renders lazily, final text fully. */
  update(message: Message, first = false): void {
    const statusChanged = first || message.status !== this.message.status;
    this.message = message;
    this.el.dataset.status = message.status;
    const meta = this.el.querySelector(".meta");
    if (meta) meta.textContent = message.model ?? "";
    if (message.status === "pending" || message.status === "streaming") {
      this.body.update(message.content);
    } else if (statusChanged || first) {
      this.body.finish(message.content);
      void highlightIn(this.body.el);
    }
    if (statusChanged) this.renderActions();
    this.renderState();
    const fit = message.params?.context;
    this.note.hidden = !fit?.left_out;
    if (fit?.left_out) {
      const w = fit.window;
      const size = w < 1000 ? `${w}` : `${Math.round(w % 1024 ? w / 1000 : w / 1024)}k`;
      this.note.textContent = `${fit.left_out} earlier message${fit.left_out === 1 ? " was" : "s were"} left out to fit ${fit.model}'s ${size} window`;
    }
    // Reasoning is shown as plain text (never HTML), folded away unless opened.
    this.reasoning.hidden = !message.reasoning_content;
    if (this.reasoningText.textContent !== message.reasoning_content) {
      this.reasoningText.textContent = message.reasoning_content ?? "";
    }
    if (!this.details.hidden) this.renderDetails();
  }

  flash(): void {
    this.el.classList.remove("flash");
    void this.el.offsetWidth; // restart the animation
    this.el.classList.add("flash");
    this.el.scrollIntoView({ block: "center" });
  }

  dispose(): void {
    this.body.dispose();
    this.el.remove();
  }

  private renderState(): void {
    const { status, error } = this.message;
    const text = status === "error" ? `error: ${error ?? "the request failed"}` : (STATE_TEXT[status] ?? "");
    this.state.textContent = text;
    this.state.hidden = text === "";
  }

  private renderActions(): void {
    const m = this.message;
    const parts: (HTMLElement | null)[] = [
      this.siblingNav(),
      copyButton(() => this.message.content),
      m.role === "user" ? button("edit", () => this.startEdit()) : null,
      button("branch", () => this.actions.branch(this.message), { title: "branch from here" }),
    ];
    if (m.status === "pending" || m.status === "streaming") parts.push(button("cancel", () => this.actions.cancel(this.message)));
    if (m.status === "interrupted" || m.status === "cancelled") parts.push(button("continue", () => this.actions.continue(this.message)));
    // A stream cut mid-answer keeps its text: it can be continued as well as retried.
    if (m.status === "error" && m.role === "assistant" && m.content) parts.push(button("continue", () => this.actions.continue(this.message)));
    if (m.status === "error") parts.push(button("retry", () => this.actions.retry(this.message)));
    if (m.role === "assistant" && m.status === "complete") parts.push(button("regen", () => this.actions.retry(this.message)));
    this.footer.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  }

  private siblingNav(): HTMLElement | null {
    const { sibling_ids: ids, sibling_index: index } = this.message;
    if (!ids || ids.length < 2) return null;
    const go = (to: number): void => {
      const id = ids[to];
      if (id) this.actions.switchTo(this.message, id);
    };
    return h(
      "span",
      { class: "siblings" },
      button("‹", () => go(index - 1), { disabled: index === 0, "aria-label": "previous version" }),
      h("span", { class: "sibling-count" }, `${index + 1}/${ids.length}`),
      button("›", () => go(index + 1), { disabled: index >= ids.length - 1, "aria-label": "next version" }),
    );
  }

  private toggleDetails(): void {
    this.details.hidden = !this.details.hidden;
    if (!this.details.hidden) this.renderDetails();
  }

  private renderDetails(): void {
    const m = this.message;
    const rows: [string, string][] = [
      ["model", m.model ?? "–"],
      ["status", m.status],
      ["tokens", `${formatTokens(m.tokens_in)} in · ${formatTokens(m.tokens_out)} out${m.tokens_reasoning ? ` · ${formatTokens(m.tokens_reasoning)} reasoning` : ""}`],
      ["cost", formatCost(m.cost)],
      ["latency", formatMs(m.latency_ms)],
      ["ttft", formatMs(m.ttft_ms)],
      ["time", new Date(m.created_at).toLocaleString()],
    ];
    this.details.replaceChildren(...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  }

  private startEdit(): void {
    const area = h("textarea", { class: "edit-area", rows: 3, "aria-label": "edit message" });
    area.value = this.message.content;
    const done = (): void => {
      form.remove();
      this.body.el.hidden = false;
    };
    const form = h(
      "div",
      { class: "edit-form" },
      area,
      h(
        "div",
        { class: "row" },
        button("save & send", () => {
          const text = area.value.trim();
          if (text) this.actions.edit(this.message, text);
          done();
        }),
        button("cancel", done),
      ),
    );
    this.body.el.hidden = true;
    this.body.el.after(form);
    area.focus();
  }
}
