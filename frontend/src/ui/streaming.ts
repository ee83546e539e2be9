// Smooth rendering of a growing markdown answer: finished blocks are rendered once and kept; only the
// unfinished tail is re-rendered, at most once per animation frame. The final text is rendered whole.
import { stableLength } from "../lib/blocks";
import { renderMarkdown } from "./markdown";

export class StreamingMarkdown {
  readonly el: HTMLElement;
  private readonly stable: HTMLElement;
  private readonly tail: HTMLElement;
  private renderedStable = 0;
  private text = "";
  private frame = 0;

  constructor(className: string) {
    this.el = document.createElement("div");
    this.el.className = className;
    this.stable = document.createElement("div");
    this.tail = document.createElement("div");
    this.el.append(this.stable, this.tail);
  }

  /** Schedules a render of the growing text (coalesced to one per frame). */
  update(text: string): void {
    this.text = text;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderGrowing();
    });
  }

  /** Renders the whole final text at once (block splitting may differ from one full parse). */
  finish(text: string): void {
    this.cancelFrame();
    this.text = text;
    this.renderedStable = 0;
    this.stable.replaceChildren(renderMarkdown(text, true));
    this.tail.replaceChildren();
  }

  dispose(): void {
    this.cancelFrame();
  }

  private renderGrowing(): void {
    if (this.text.length < this.renderedStable) {
      this.finish(this.text); // text shrank (a replaced message): start over
      return;
    }
    const stable = stableLength(this.text);
    if (stable > this.renderedStable) {
      this.stable.append(renderMarkdown(this.text.slice(this.renderedStable, stable)));
      this.renderedStable = stable;
    }
    this.tail.replaceChildren(renderMarkdown(this.text.slice(this.renderedStable)));
  }

  private cancelFrame(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }
}
