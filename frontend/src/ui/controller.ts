// What the user's actions do: talks to the API, updates the store, starts streams. No rendering here.
import { ApiError, type Api } from "../lib/api";
import { shortcutLines } from "../lib/shortcuts";
import { helpLines, isCommand, parseCommand, type CommandContext, type ExportFormat } from "../lib/commands";
import { loadMedia } from "./dom";
import { downloadUrl } from "./download";
import { loadMarkdown, prepareMessages } from "./markdown";
import { formatCost, formatTokens } from "../lib/format";
import type { Store } from "../lib/store";
import type { Conversation, Message, Reasoning, SearchResult, UsageSummary } from "../lib/types";
import type { ChatView, PagingActions } from "./chat";
import type { PinnedActions } from "./pinned";
import type { Composer } from "./composer";
import type { MessageActions } from "./message";
import type { SidebarActions } from "./sidebar";
import { Streams } from "./streams";

export interface Shell {
  chat: ChatView;
  composer: Composer;
  runSearch(query: string): Promise<void>;
  closeDrawer(): void;
  openDrawer(): void;
  /** Navigates to a route with a new history entry (Back returns here). */
  go(url: string): void;
  openPicker(): void;
  /** Opens a layer `hide` takes down (Back and Esc close it too); the returned function closes it. */
  layer(hide: () => void): () => void;
}

/** A conversation fetch started before the app was mounted (main.ts), taken by the first open(). */
export interface Prefetched {
  id: string;
  conversation: Promise<Conversation>;
}

export class Controller implements CommandContext, MessageActions, PagingActions, SidebarActions, PinnedActions {
  readonly streams: Streams;
  shell!: Shell;

  constructor(
    readonly api: Api,
    readonly store: Store,
    private prefetched: Prefetched | null = null,
  ) {
    this.streams = new Streams(api, store, () => void this.afterGeneration());
  }

  /** The first screen: the conversation in the address is opened as soon as it and the renderer are
   *  there, not after the models and the list (which only the status line and the drawer need). */
  async start(): Promise<void> {
    const id = conversationFromHash();
    await Promise.all([
      this.guard(this.api.models().then((m) => this.store.setModels(m))),
      this.guard(this.api.listConversations(null).then((p) => this.store.setList(p.items, p.next_cursor, false))),
      id ? this.open(id) : Promise.all([this.refreshUsage(), loadMarkdown()]), // show() refreshes usage
    ]);
  }

  /** Runs an action; API errors become a visible notice instead of an unhandled rejection. */
  async guard<T>(work: Promise<T>): Promise<T | undefined> {
    try {
      return await work;
    } catch (error) {
      this.report(error);
      return undefined;
    }
  }

  report(error: unknown): void {
    if (error instanceof ApiError && error.offline) this.store.setConnection("offline");
    if (error instanceof ApiError && error.status === 401) {
      // The session ended: reloading shows the sign-in screen (only if the server agrees, so no loop).
      void this.api.authStatus().then((s) => s.user || location.reload(), () => undefined);
    }
    const text = error instanceof Error ? error.message : String(error);
    this.shell.chat.notice([`error: ${text}`], "error");
  }

  // -- conversations ---------------------------------------------------------------------------
  async open(id: string, flashId: string | null = null): Promise<void> {
    const early = this.prefetched?.id === id && !flashId ? this.prefetched.conversation : null;
    this.prefetched = null;
    const first = !this.store.conversation;
    if (first) this.shell.chat.opening(true);
    const fetched = early ?? (flashId ? this.api.switchTo(id, flashId) : this.api.getConversation(id));
    // the renderer chunk too: messages are shown once, rendered (ui/markdown.ts)
    const conversation = await this.guard(Promise.all([fetched, prepareMessages()]).then(([c]) => c));
    if (!conversation) {
      if (first) this.shell.chat.opening(false);
      return;
    }
    if (flashId) this.shell.chat.focusOn(flashId); // the answer is the page around it
    this.shell.closeDrawer(); // first: its history entry goes before the conversation's is pushed
    this.show(conversation);
    if (flashId) requestAnimationFrame(() => this.shell.chat.flashMessage(flashId));
  }

  show(conversation: Conversation): void {
    this.streams.stopAll();
    this.store.setConversation(conversation);
    this.shell.go(`#/c/${conversation.id}`);
    this.streams.followAll(conversation.messages);
    void this.refreshUsage();
  }

  /** Back or Forward landed on another route: show what it names. */
  followRoute(): void {
    const id = conversationFromHash();
    if (id && id !== this.store.conversation?.id) void this.open(id);
    else if (!id && this.store.conversation) void this.newConversation();
  }

  // -- PagingActions: the pages above and below what is shown ---------------------------------
  async loadEarlier(): Promise<boolean> {
    const conversation = this.store.conversation;
    const first = conversation?.messages[0];
    if (!conversation?.has_earlier || !first) return true;
    const page = await this.guard(this.api.getConversation(conversation.id, { before: first.id }));
    if (!page) return false;
    this.store.addPage(page, "earlier", first.id);
    return true;
  }

  async loadLater(): Promise<boolean> {
    const conversation = this.store.conversation;
    const last = conversation?.messages.at(-1);
    if (!conversation?.has_later || !last) return true;
    const page = await this.guard(this.api.getConversation(conversation.id, { after: last.id }));
    if (!page) return false;
    this.store.addPage(page, "later", last.id);
    this.streams.followAll(page.messages); // an answer still running sits at the end of the path
    return true;
  }

  async reload(): Promise<void> {
    const id = this.store.conversation?.id;
    if (id) await this.guard(this.api.getConversation(id).then((c) => this.show(c)));
  }

  async submit(text: string): Promise<void> {
    if (text.trim() === "/model") {
      this.shell.composer.setText("");
      this.shell.openPicker(); // with no name: choose from the picker
      return;
    }
    if (isCommand(text)) {
      const parsed = parseCommand(text, this);
      if ("error" in parsed) {
        this.shell.composer.showNotice(parsed.error);
        return;
      }
      this.shell.composer.setText("");
      await this.guard(parsed.run(this));
      return;
    }
    const created = this.store.conversation ? null : await this.guard(this.createConversation());
    const conversation = this.store.conversation ?? created;
    if (!conversation) return;
    const { model, temperature, reasoning } = this.store.params;
    // Below the end of the path, also when only a page in its middle is shown (after a search jump).
    const leaf = conversation.has_later ? conversation.active_leaf_id : (conversation.messages.at(-1)?.id ?? null);
    try {
      const files = this.shell.composer.attachments;
      await this.api.send(conversation.id, text || files.map((f) => f.name).join(", "), leaf, { model, temperature, reasoning }, files);
    } catch (error) {
      this.report(error);
      // The server refused the first message (e.g. #no_cloud with no local model): no empty conversation
      // is left behind. Not when the answer was lost on the way: the message may have been stored.
      if (created && error instanceof ApiError && error.status >= 400 && error.status < 500) {
        void this.api.deleteConversation(created.id).catch(() => undefined);
      }
      return;
    }
    this.shell.composer.setText("");
    this.shell.composer.emit("sent", undefined);
    const fresh = await this.guard(this.api.getConversation(conversation.id));
    if (fresh) this.show(fresh);
  }

  /** No title is sent: the server names the conversation from the first exchange. */
  private createConversation(): Promise<Conversation> {
    const { model, temperature, reasoning } = this.store.params;
    return this.api.createConversation({ model, temperature, reasoning });
  }

  /** Usage and the list entry (title, count, time) change when an answer ends. */
  private async afterGeneration(): Promise<void> {
    const id = this.store.conversation?.id;
    const latest = id ? this.api.getConversation(id, { limit: 1 }).catch(() => null) : null; // title and counts only
    const [fresh] = await Promise.all([latest, this.refreshUsage()]);
    if (!fresh || this.store.conversation?.id !== fresh.id) return;
    this.store.conversation.title = fresh.title;
    this.store.upsertSummary(fresh);
  }

  async refreshUsage(): Promise<void> {
    const id = this.store.conversation?.id;
    const [overall, conversation, budget] = await Promise.all([
      this.api.usage("overall").catch(() => null),
      id ? this.api.usage("conversation", id).catch(() => null) : Promise.resolve(null),
      this.api.budget().catch(() => null),
    ]);
    this.store.setUsage({ overall, conversation, budget });
  }

  // -- SidebarActions --------------------------------------------------------------------------
  openMessage(conversationId: string, messageId: string | null): void {
    void this.open(conversationId, messageId);
  }
  async newConversation(): Promise<void> {
    this.streams.stopAll();
    this.store.setConversation(null);
    this.shell.closeDrawer();
    this.shell.go("#/");
    this.shell.composer.input.focus();
    void this.refreshUsage();
  }
  rename(id: string, title: string): void {
    void this.guard(this.api.updateConversation(id, { title })).then((c) => {
      if (!c) return;
      if (this.store.conversation?.id === id) this.store.conversation.title = c.title;
      this.store.upsertSummary(c);
    });
  }
  remove(id: string): void {
    void this.guard(this.api.deleteConversation(id)).then(() => {
      this.store.removeSummary(id);
      if (this.store.conversation?.id === id) void this.newConversation();
    });
  }
  clone(id: string): void {
    void this.guard(this.api.cloneConversation(id)).then((c) => c && this.show(c));
  }
  async loadMore(): Promise<void> {
    const page = await this.guard(this.api.listConversations(this.store.nextCursor));
    if (page) this.store.setList(page.items, page.next_cursor, true);
  }
  async search(query: string): Promise<SearchResult[]> {
    return (await this.guard(this.api.search(query)))?.results ?? [];
  }

  // -- PinnedActions: the system prompt and the link back to a branch's source (ui/pinned.ts) --------
  async saveSystemPrompt(text: string): Promise<boolean> {
    const conversation = this.store.conversation;
    if (!conversation) return false;
    const updated = await this.guard(this.api.updateConversation(conversation.id, { system_prompt: text }));
    if (updated && this.store.conversation?.id === conversation.id) this.store.conversation.system_prompt = updated.system_prompt;
    return updated !== undefined;
  }
  async sourceTitle(id: string): Promise<string | null> {
    const known = this.store.list.find((c) => c.id === id);
    if (known) return known.title || "untitled";
    return (await this.api.getConversation(id, { limit: 1 }).catch(() => null))?.title ?? null;
  }
  openSource(id: string, messageId: string | null): void {
    void this.open(id, messageId);
  }

  // -- MessageActions --------------------------------------------------------------------------
  branch(message: Message): void {
    void this.guard(this.api.branch(message.id)).then((c) => c && this.show(c));
  }
  edit(message: Message, content: string): void {
    void this.guard(this.api.edit(message.id, content)).then((r) => r && this.reload());
  }
  retry(message: Message): void {
    const { model, temperature, reasoning } = this.store.params;
    void this.guard(this.api.regenerate(message.id, { model, temperature, reasoning })).then((r) => r && this.reload());
  }
  cancel(message: Message): void {
    void this.guard(this.api.cancel(message.id)).then((m) => m && this.store.updateMessage(m));
  }
  continue(message: Message): void {
    void this.guard(this.api.continueMessage(message.id)).then((r) => r && this.reload());
  }
  compare(message: Message): void {
    void this.guard(import("./compare").then((c) => c.compareVersions(this, message)));
  }
  switchTo(message: Message, siblingId: string): void {
    const id = this.store.conversation?.id;
    if (!id) return;
    void this.guard(this.api.switchTo(id, siblingId)).then((c) => {
      if (!c) return;
      this.shell.chat.keepInPlace(message.id, siblingId); // the answer is the page around the new version
      this.show(c);
    });
  }

  // -- CommandContext --------------------------------------------------------------------------
  prompts?: readonly string[];
  async library(command: string, arg: string): Promise<void> {
    await (await import("./library")).run(this, command, arg);
  }
  models() {
    return this.store.modelsInfo?.models ?? [];
  }
  async setModel(id: string): Promise<void> {
    await this.updateParams({ model: id });
  }
  async setTemperature(value: number): Promise<void> {
    await this.updateParams({ temperature: value });
  }
  async setReasoning(level: Reasoning): Promise<void> {
    await this.updateParams({ reasoning: level });
  }
  private async updateParams(params: { model?: string; temperature?: number; reasoning?: Reasoning }): Promise<void> {
    this.store.setParams(params);
    const id = this.store.conversation?.id;
    if (id) {
      const updated = await this.api.updateConversation(id, params);
      this.store.conversation = { ...this.store.conversation!, ...params, title: updated.title };
    }
  }
  async appendSystem(text: string): Promise<void> {
    const conversation = this.store.conversation ?? (await this.createConversation());
    const updated = await this.api.appendSystem(conversation.id, text);
    this.show(updated);
    this.shell.chat.notice(["system prompt is now:", ...updated.system_prompt.split("\n")]);
  }
  showHelp(): void {
    this.shell.chat.notice(["commands:", ...helpLines(), "Enter sends · Shift+Enter new line (touch: Enter new line, the button sends) · Tab completes · Esc closes · Back closes the drawer/settings", "keys:", ...shortcutLines(/Mac|iPhone|iPad/.test(navigator.platform))]);
  }
  async showSearch(query: string): Promise<void> {
    this.shell.openDrawer();
    await this.shell.runSearch(query);
  }
  async branchHere(): Promise<void> {
    const conversation = this.store.conversation;
    const last = conversation?.has_later ? conversation.active_leaf_id : conversation?.messages.at(-1)?.id;
    if (!last) throw new Error("nothing to branch from yet: send a message first");
    const branched = await this.api.branch(last);
    this.show(branched);
  }
  async exportConversation(format: ExportFormat): Promise<void> {
    const id = this.store.conversation?.id;
    if (!id) throw new Error("nothing to export yet: send a message first");
    downloadUrl(this.api.exportUrl(id, format));
    this.shell.chat.notice([`exporting this conversation as ${format}…`]);
  }
  async remember(fact: string): Promise<void> {
    await this.api.request("POST", "/api/memory", { text: fact });
    this.shell.chat.notice([`remembered: ${fact} (settings → memory)`]);
  }
  async toggleMemory(): Promise<void> {
    const c = this.store.conversation;
    if (!c) return;
    const { memory } = await this.api.request<Conversation>("PATCH", `/api/conversations/${c.id}`, { memory: !c.memory });
    this.store.setConversation({ ...c, memory });
  }
  async generateImage(prompt: string, options: Record<string, string>): Promise<void> {
    await (await loadMedia()).generateImage(this, prompt, options);
  }
  async showStats(): Promise<void> {
    await this.refreshUsage();
    const line = (name: string, u: UsageSummary | null): string =>
      u
        ? `${name}: ${u.requests} requests · ${formatTokens(u.tokens_in)} in · ${formatTokens(u.tokens_out)} out · ${formatCost(u.cost)}${u.unknown_cost_requests ? ` (+${u.unknown_cost_requests} unpriced)` : ""}`
        : `${name}: –`;
    this.shell.chat.notice(["usage:", line("conversation", this.store.usage.conversation), line("overall", this.store.usage.overall)]);
  }
}

export function conversationFromHash(): string | null {
  return /^#\/c\/([0-9a-f]{32})$/.exec(location.hash)?.[1] ?? null;
}
