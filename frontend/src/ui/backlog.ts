// The messages of the shown page that are not in the DOM yet. Opening a conversation renders the ones on
// screen at once and leaves the rest (most of a 100-message page) to this backlog, which renders them in
// idle time a few at a time, nearest to what is on screen first: the first screen is painted without
// waiting for a hundred messages, and no task is long enough to hold up a tap or a scroll.
import type { Message } from "../lib/types";
import { inIdle } from "./idle";

export type Side = "above" | "below";

export interface BacklogSink {
  /** The element of a message (its current version: it may have changed while it waited). */
  build(message: Message): HTMLElement;
  /** Puts rendered messages in place; `last` when the backlog is empty after them. */
  insert(els: HTMLElement[], side: Side, last: boolean): void;
}

export class Backlog {
  /** Oldest first, both: `above` is rendered from its end, `below` from its start. */
  private above: Message[] = [];
  private below: Message[] = [];
  private stop: (() => void) | null = null;

  constructor(private readonly sink: BacklogSink) {}

  get pending(): boolean {
    return this.above.length > 0 || this.below.length > 0;
  }

  has(side: Side): boolean {
    return (side === "above" ? this.above : this.below).length > 0;
  }

  includes(id: string): boolean {
    return this.above.some((m) => m.id === id) || this.below.some((m) => m.id === id);
  }

  /** Replaces what is waiting (a new page was shown) and starts rendering it in idle time. */
  start(above: Message[], below: Message[]): void {
    this.cancel();
    this.above = above;
    this.below = below;
    if (this.pending) this.stop = inIdle((more) => this.step(more));
  }

  /** Renders everything that is still waiting, now (before the page changes, or to reach a message). */
  flush(): void {
    if (!this.pending) return;
    const { above, below } = this;
    this.cancel();
    if (below.length) this.sink.insert(below.map((m) => this.sink.build(m)), "below", above.length === 0);
    if (above.length) this.sink.insert(above.map((m) => this.sink.build(m)), "above", true);
  }

  cancel(): void {
    this.stop?.();
    this.stop = null;
    this.above = [];
    this.below = [];
  }

  /** One idle task: the side with more waiting goes first (above, usually: the page opens at its end). */
  private step(more: () => boolean): boolean {
    const side: Side = this.above.length >= this.below.length ? "above" : "below";
    const queue = side === "above" ? this.above : this.below;
    const els: HTMLElement[] = [];
    do {
      const message = side === "above" ? queue.pop() : queue.shift();
      if (!message) break;
      const el = this.sink.build(message);
      if (side === "above") els.unshift(el);
      else els.push(el);
    } while (more());
    const last = !this.pending;
    if (last) this.stop = null;
    this.sink.insert(els, side, last);
    return !last;
  }
}
