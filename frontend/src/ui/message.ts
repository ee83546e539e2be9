// One message as a light terminal block: header (who · model · time), body (markdown), state line, a
// compact action row (copy always one tap away; the rest in a menu, also on long press), details.
import { DATE_FORMATS, formatCost, formatDate, formatMs, formatTokens } from "../lib/format";
import type { Message } from "../lib/types";
import { button, copyButton, h, loadMedia, type Component } from "./dom";
import { enhance } from "./enhance";
import { menuButton, onLongPress, type MenuItem } from "./menu";
import { StreamingMarkdown } from "./streaming";

let media: Awaited<ReturnType<typeof loadMedia>> | null = null;

export interface MessageActions {
  branch(message: Message): void;
  edit(message: Message, content: string): void;
  retry(message: Message): void;
  cancel(message: Message): void;
  continue(message: Message): void;
  switchTo(message: Message, siblingId: string): void;
  /** The versions of this answer side by side. */
  compare(message: Message): void;
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
  private readonly more: HTMLButtonElement;
  private reader?: HTMLButtonElement;

  constructor(
    message: Message,
    private readonly actions: MessageActions,
  ) {
    this.message = message;
    this.body = new StreamingMarkdown("msg-body md");
    const header = h(
      "div",
      { class: "msg-head" },
      h("span", { class: "who" }, message.role === "user" ? "you" : message.role),
      h("span", { class: "meta" }),
      h("time", { class: "when", datetime: message.created_at }, timeOf(message.created_at)),
    );
    this.el = h("article", { class: `msg msg-${message.role}`, "data-message-id": message.id });
    this.reasoning.append(h("summary", {}, "reasoning"), this.reasoningText);
    this.el.append(header, this.details, this.note, this.reasoning, this.body.el, this.state, this.footer);
    this.more = menuButton("message actions", () => this.menuItems());
    onLongPress(this.el, this.more);
    this.update(message, true);
    // thumbnails: at once when the module is there (loaded before the first conversation is
    // shown), so the rows are laid out with the message rather than added under it later (a layout shift)
    if (media) media.decorate(this.body.el, message);
    else void loadMedia().then((m) => (media = m).decorate(this.body.el, message));
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
    const dropped = droppedParams(message);
    this.el.dataset.dropped = dropped.join(" ");
    if (message.status === "pending" || message.status === "streaming") {
      this.body.update(message.content);
    } else if (statusChanged || first) {
      this.body.finish(message.content);
      enhance(this.body.el);
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
    // What the state asks for stays in the row; everything else is one tap away in the menu.
    const parts: (HTMLElement | null)[] = [this.siblingNav(), copyButton(() => this.message.content)];
    if (m.status === "pending" || m.status === "streaming") parts.push(button("cancel", () => this.actions.cancel(this.message)));
    if (m.status === "interrupted" || m.status === "cancelled") parts.push(button("continue", () => this.actions.continue(this.message)));
    // A stream cut mid-answer keeps its text: it can be continued as well as retried.
    if (m.status === "error" && m.role === "assistant" && m.content) parts.push(button("continue", () => this.actions.continue(this.message)));
    if (m.status === "error") parts.push(button("retry", () => this.actions.retry(this.message)));
    if (m.role === "assistant" && m.status === "complete" && m.content) parts.push(this.readButton());
    parts.push(this.more);
    this.footer.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  }

  /** Read aloud sits in the action row from the first render (added later it would shift the layout). */
  private readButton(): HTMLButtonElement {
    const read: HTMLButtonElement = (this.reader ??= button(
      "read aloud",
      () => void import("./voice").then((v) => v.readAloud((this.body.el.textContent ?? "").trim(), read, {})),
      { class: "btn read-aloud" },
    ));
    return read;
  }

  private menuItems(): MenuItem[] {
    const m = this.message;
    const items: MenuItem[] = [];
    if (m.role === "user") items.push({ label: "edit", run: () => this.startEdit() });
    if (m.role === "assistant" && m.status === "complete") items.push({ label: "regenerate", run: () => this.actions.retry(this.message) });
    items.push(
      { label: "branch from here", run: () => this.actions.branch(this.message) },
      ...(m.role === "assistant" && (m.sibling_ids?.length ?? 0) > 1
        ? [{ label: "compare versions", run: () => this.actions.compare(this.message) }]
        : []),
      { label: this.details.hidden ? "details" : "hide details", run: () => this.toggleDetails() },
    );
    return items;
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
      ["time", formatDate(new Date(m.created_at))],
    ];
    const dropped = droppedParams(m);
    if (dropped.length) rows.push(["not sent", `${dropped.join(", ")} — ${m.model ?? "the model"} does not accept ${dropped.length > 1 ? "them" : "it"}`]);
    if (m.tokens_cached) rows.splice(2, 0, ["cached", `${formatTokens(m.tokens_cached)} of the input`]);
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

/** Parameters the server did not send because the model refuses them (``params.dropped``). */
export function droppedParams(m: Message): string[] {
  const dropped = (m.params as { dropped?: unknown } | null)?.dropped;
  return Array.isArray(dropped) ? dropped.filter((x): x is string => typeof x === "string") : [];
}

const sameDay = (a: Date, b: Date): boolean => a.toDateString() === b.toDateString();

/** The time in the user's locale; the date too when it was not today. */
export function timeOf(iso: string, now = new Date()): string {
  const date = new Date(iso);
  return formatDate(date, sameDay(date, now) ? DATE_FORMATS.time : DATE_FORMATS.dayAndTime);
}
