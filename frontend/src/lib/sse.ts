// Watching one message's generation over SSE, resuming with Last-Event-ID after any drop.
//
// fetch() rather than EventSource: EventSource cannot send our X-Device-Id header nor choose the first
// Last-Event-ID (we resume from what is already on screen, which may come from a GET, not a stream).
import type { Message } from "./types";

export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/** Incremental parser of the text/event-stream format (comments and retry fields are ignored). */
export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event = "";
  private id: string | null = null;

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith("\r\n", newline) ? 2 : 1;
      this.buffer = this.buffer.slice(newline + width);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): SseEvent | null {
    if (line === "") {
      if (this.data.length === 0) return null;
      const event = { event: this.event || "message", data: this.data.join("\n"), id: this.id };
      this.data = [];
      this.event = "";
      this.id = null;
      return event;
    }
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id") this.id = value;
    return null;
  }
}

/** Length in Unicode code points, the unit of the server's offsets (Python's ``len``), not UTF-16 units:
 * an emoji is one code point but two UTF-16 units, so ``string.length`` would drift on every one. */
export function codePointLength(text: string): number {
  let length = text.length;
  for (let i = 1; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff) {
      const before = text.charCodeAt(i - 1);
      if (before >= 0xd800 && before <= 0xdbff) length--;
    }
  }
  return length;
}

/** The first `count` code points of `text` (walking back from the end, where resumes overlap). */
function codePointPrefix(text: string, textLength: number, count: number): string {
  let end = text.length;
  for (let drop = textLength - count; drop > 0 && end > 0; drop--) {
    const unit = text.charCodeAt(end - 1);
    const pair = unit >= 0xdc00 && unit <= 0xdfff && end >= 2 && text.charCodeAt(end - 2) >= 0xd800 && text.charCodeAt(end - 2) <= 0xdbff;
    end -= pair ? 2 : 1;
  }
  return text.slice(0, end);
}

/** Text after applying a delta whose event id says the text is `endLength` code points long once applied.
 * Idempotent: a replayed delta overwrites the same characters instead of duplicating them. */
export function applyDelta(current: string, delta: string, endLength: number | null): string {
  return new StreamedText(current).apply(delta, endLength);
}

/** Text being streamed plus its length in code points, kept in step so each delta costs O(delta). */
export class StreamedText {
  length: number;
  constructor(public value: string) {
    this.length = codePointLength(value);
  }

  apply(delta: string, endLength: number | null): string {
    const deltaLength = codePointLength(delta);
    const start = endLength === null ? this.length : endLength - deltaLength;
    if (start >= this.length) {
      // the next piece, or a gap we cannot see: keep what arrived
      this.value += delta;
      this.length += deltaLength;
    } else {
      const kept = Math.max(0, start);
      this.value = codePointPrefix(this.value, this.length, kept) + delta;
      this.length = kept + deltaLength;
    }
    return this.value;
  }
}

export function parseEventId(id: string | null): [number, number] | null {
  const match = id ? /^(\d+):(\d+)$/.exec(id) : null;
  return match ? [Number(match[1]), Number(match[2])] : null;
}

export interface StreamHandlers {
  onSnapshot(message: Message): void;
  onText(text: string): void;
  onReasoning(text: string): void;
  onDone(message: Message): void;
  onConnection(state: "live" | "reconnecting"): void;
}

export interface StreamOptions {
  url: string;
  headers: Record<string, string>;
  text: string;
  reasoning: string;
  fetchImpl?: typeof fetch;
  /** Waits before reconnect attempt n (0-based); injectable so tests need no clock. */
  backoff?: (attempt: number) => Promise<void>;
}

const defaultBackoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 400 * 2 ** attempt)));

/** Follows a message until its `done` event, reconnecting with backoff. Returns a stop function. */
export function followMessage(options: StreamOptions, handlers: StreamHandlers): () => void {
  const controller = new AbortController();
  const text = new StreamedText(options.text);
  const reasoning = new StreamedText(options.reasoning);
  let finished = false;
  const fetchImpl = options.fetchImpl ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const backoff = options.backoff ?? defaultBackoff;

  const apply = (event: SseEvent): void => {
    const ids = parseEventId(event.id);
    if (event.event === "delta" || event.event === "reasoning") {
      const delta = (JSON.parse(event.data) as { text: string }).text;
      if (event.event === "delta") {
        handlers.onText(text.apply(delta, ids ? ids[0] : null));
      } else {
        handlers.onReasoning(reasoning.apply(delta, ids ? ids[1] : null));
      }
    } else if (event.event === "message") {
      handlers.onSnapshot(JSON.parse(event.data) as Message);
    } else if (event.event === "done") {
      finished = true;
      handlers.onDone(JSON.parse(event.data) as Message);
    }
  };

  const connectOnce = async (): Promise<void> => {
    const headers = { ...options.headers, Accept: "text/event-stream" } as Record<string, string>;
    // Offsets in code points, as the server counts them (see codePointLength).
    if (text.length > 0 || reasoning.length > 0) headers["Last-Event-ID"] = `${text.length}:${reasoning.length}`;
    const response = await fetchImpl(options.url, { headers, signal: controller.signal, cache: "no-store" });
    if (!response.ok || !response.body) {
      const error = new Error(`stream answered ${response.status}`) as Error & { status?: number };
      error.status = response.status;
      throw error;
    }
    handlers.onConnection("live");
    const parser = new SseParser();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const event of parser.push(value)) apply(event);
      if (finished) {
        await reader.cancel().catch(() => undefined);
        return;
      }
    }
  };

  const run = async (): Promise<void> => {
    for (let attempt = 0; !finished && !controller.signal.aborted; ) {
      try {
        await connectOnce();
        attempt = 0;
      } catch (error) {
        if (controller.signal.aborted) return;
        const status = (error as { status?: number }).status;
        if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) return;
      }
      if (finished || controller.signal.aborted) return;
      handlers.onConnection("reconnecting");
      await backoff(attempt++);
    }
  };
  void run();
  return () => controller.abort();
}
