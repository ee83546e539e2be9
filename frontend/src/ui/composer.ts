// The prompt input. Desktop: Enter sends, Shift+Enter adds a line. Touch: Enter adds a line (phones
// have no Shift) and the button sends; a slash command still runs on Enter. While an answer streams
// the button is "stop". Slash commands complete in a popup.
import { completions, type CommandContext, type Completion } from "../lib/commands";
import { Emitter } from "../lib/emitter";
import { button, h, type Component } from "./dom";

interface ComposerEvents extends Record<string, unknown> {
  submit: string;
  stop: undefined;
  sent: undefined;
}

/** A phone or tablet: the primary pointer is a finger. */
function isTouch(): boolean {
  return window.matchMedia("(pointer: coarse)").matches;
}

export class Composer extends Emitter<ComposerEvents> implements Component {
  readonly el: HTMLElement;
  readonly input: HTMLTextAreaElement;
  private readonly popup = h("ul", { class: "popup", role: "listbox", id: "command-popup", "aria-label": "commands", hidden: true });
  private readonly notice = h("div", { class: "notice", role: "status", "aria-live": "polite", hidden: true });
  private items: Completion[] = [];
  private selected = 0;
  private busy = false;
  private readonly send: HTMLButtonElement;
  /** ARIA 1.1 combobox: a <textarea> may not take the role itself, so a wrapper carries it. */
  private readonly combo: HTMLElement;
  /** Uploaded files for the next message (ui/attach.ts fills them) and a slot for its buttons. */
  attachments: { id: string; name: string }[] = [];
  readonly tools = h("span", { class: "tools" });

  constructor(private readonly ctx: CommandContext) {
    super();
    this.input = h("textarea", {
      class: "prompt",
      rows: 1,
      placeholder: isTouch() ? "message or /command" : "message, or / for commands", // one line on a phone
      "aria-label": "message",
      "aria-controls": "command-popup",
      "aria-autocomplete": "list",
      enterkeyhint: isTouch() ? "enter" : "send",
      autocomplete: "off",
      spellcheck: true,
    });
    this.combo = h("div", { class: "combo", role: "combobox", "aria-label": "message or command", "aria-haspopup": "listbox", "aria-owns": "command-popup", "aria-expanded": "false" }, this.input);
    this.input.addEventListener("keydown", (event) => this.onKey(event));
    this.input.addEventListener("input", () => {
      this.autosize();
      this.clearNotice();
      this.refreshPopup();
    });
    const send = button("send", () => (this.busy ? this.emit("stop", undefined) : this.submit()), {
      class: "btn send",
      "aria-label": "send",
    });
    this.send = send;
    this.el = h(
      "div",
      { class: "composer" },
      this.popup,
      this.notice,
      h("div", { class: "input-row" }, h("span", { class: "caret", "aria-hidden": "true" }, "❯"), this.combo, this.tools, send),
    );
  }

  showNotice(text: string, kind: "error" | "info" = "error"): void {
    this.notice.textContent = text;
    this.notice.dataset.kind = kind;
    this.notice.hidden = false;
  }

  clearNotice(): void {
    this.notice.hidden = true;
  }

  setText(text: string): void {
    this.input.value = text;
    this.autosize();
    this.refreshPopup();
  }

  /** While an answer streams the send button stops it instead. */
  setBusy(busy: boolean): void {
    if (busy === this.busy) return;
    this.busy = busy;
    this.send.textContent = busy ? "stop" : "send";
    this.send.setAttribute("aria-label", busy ? "stop the answer" : "send");
    this.send.classList.toggle("stop", busy);
  }

  dispose(): void {
    this.el.remove();
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text && !this.attachments.length) return;
    if (this.busy && !text.startsWith("/")) {
      this.showNotice("an answer is still streaming: wait for it or press stop", "info");
      return;
    }
    this.closePopup();
    this.emit("submit", text);
  }

  private onKey(event: KeyboardEvent): void {
    const open = !this.popup.hidden && this.items.length > 0;
    if (open && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.select((this.selected + step + this.items.length) % this.items.length);
    } else if (open && event.key === "Tab") {
      event.preventDefault();
      this.accept(false);
    } else if (open && event.key === "Escape") {
      event.preventDefault();
      this.closePopup();
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      const command = this.input.value.startsWith("/") && !this.input.value.includes("\n");
      if (isTouch() && !open && !command) return; // a new line; the button sends
      event.preventDefault();
      if (open) this.accept(true);
      else this.submit();
    }
  }

  /** Fills in the chosen completion; with Enter, runs it when it completes an argument. */
  private accept(withEnter: boolean): void {
    const item = this.items[this.selected];
    if (!item) return;
    const unchanged = this.input.value.trimEnd() === item.value.trimEnd();
    this.setText(item.value);
    this.input.focus();
    if (withEnter && (item.runs || unchanged)) this.submit();
  }

  private refreshPopup(): void {
    this.items = completions(this.input.value, this.ctx);
    if (this.items.length === 0) {
      this.closePopup();
      return;
    }
    this.popup.replaceChildren(
      ...this.items.map((item, index) =>
        h(
          "li",
          {
            role: "option",
            id: `command-option-${index}`,
            class: "popup-item",
            "data-value": item.value,
            onmousedown: (event: Event) => {
              event.preventDefault(); // keep focus in the textarea
              this.select(index);
              this.accept(true);
            },
          },
          h("span", { class: "label" }, item.label),
          item.tag ? h("span", { class: `tag tag-${item.tag === "fallback" ? "fallback" : "args"}` }, item.tag) : null,
          h("span", { class: "detail" }, item.detail),
        ),
      ),
    );
    this.popup.hidden = false;
    this.combo.setAttribute("aria-expanded", "true");
    this.select(Math.min(this.selected, this.items.length - 1));
  }

  private select(index: number): void {
    this.selected = Math.max(0, index);
    Array.from(this.popup.children).forEach((li, i) => li.setAttribute("aria-selected", String(i === this.selected)));
    this.input.setAttribute("aria-activedescendant", `command-option-${this.selected}`);
    this.popup.children[this.selected]?.scrollIntoView({ block: "nearest" });
  }

  private closePopup(): void {
    this.popup.hidden = true;
    this.combo.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.items = [];
    this.selected = 0;
  }

  private autosize(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 200)}px`;
  }
}
