// Follows every unfinished message of the open conversation over SSE and feeds the store.
import type { Api } from "../lib/api";
import { followMessage } from "../lib/sse";
import type { Store } from "../lib/store";
import { FINAL_STATUSES, type Message } from "../lib/types";

export class Streams {
  private readonly active = new Map<string, () => void>();

  constructor(
    private readonly api: Api,
    private readonly store: Store,
    private readonly onFinished: (message: Message) => void,
  ) {}

  /** Resumes from the text already shown: the server sends only what comes after it. */
  follow(message: Message): void {
    if (FINAL_STATUSES.has(message.status) || this.active.has(message.id)) return;
    const current = (): Message | undefined => this.store.conversation?.messages.find((m) => m.id === message.id);
    const stop = followMessage(
      {
        url: this.api.streamUrl(message.id),
        headers: this.api.headers(),
        text: message.content,
        reasoning: message.reasoning_content ?? "",
      },
      {
        onSnapshot: (snapshot) => {
          const shown = current();
          if (!shown) return;
          // Status and metadata from the server; the text stays ours, the deltas continue it.
          const status = FINAL_STATUSES.has(snapshot.status) ? shown.status : snapshot.status;
          this.store.updateMessage({ ...snapshot, status, content: shown.content, reasoning_content: shown.reasoning_content });
        },
        onText: (text) => {
          const shown = current();
          if (shown) this.store.updateMessage({ ...shown, content: text, status: "streaming" });
        },
        onReasoning: (reasoning) => {
          const shown = current();
          if (shown) this.store.updateMessage({ ...shown, reasoning_content: reasoning });
        },
        onDone: (final) => {
          this.active.delete(message.id);
          this.store.updateMessage(final);
          this.store.setConnection("online");
          this.onFinished(final);
        },
        onConnection: (state) => this.store.setConnection(state === "live" ? "online" : "reconnecting"),
      },
    );
    this.active.set(message.id, stop);
  }

  followAll(messages: readonly Message[]): void {
    messages.forEach((m) => this.follow(m));
  }

  stopAll(): void {
    this.active.forEach((stop) => stop());
    this.active.clear();
  }

  get busy(): boolean {
    return this.active.size > 0;
  }
}
