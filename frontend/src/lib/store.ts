// Application state in one place. Changes are announced by typed events; renderers subscribe.
import { Emitter } from "./emitter";
import type { BudgetStatus, Conversation, ConversationSummary, Message, ModelsInfo, Reasoning, UsageSummary } from "./types";

export type Connection = "online" | "reconnecting" | "offline";

export interface Params {
  model: string | null;
  temperature: number | null;
  reasoning: Reasoning | null;
}

/** Messages added to the open conversation's path above or below what was shown. */
export interface PageEvent {
  where: "earlier" | "later";
  messages: Message[];
}

interface StoreEvents extends Record<string, unknown> {
  conversation: Conversation | null;
  page: PageEvent;
  message: Message;
  list: readonly ConversationSummary[];
  models: ModelsInfo;
  params: Params;
  usage: { conversation: UsageSummary | null; overall: UsageSummary | null; budget?: BudgetStatus | null };
  connection: Connection;
}

export class Store extends Emitter<StoreEvents> {
  conversation: Conversation | null = null;
  list: ConversationSummary[] = [];
  nextCursor: string | null = null;
  listLoaded = false;
  modelsInfo: ModelsInfo | null = null;
  /** Parameters for the next message; mirrors the open conversation's, or the defaults. */
  params: Params = { model: null, temperature: null, reasoning: null };
  usage: StoreEvents["usage"] = { conversation: null, overall: null };
  connection: Connection = "online";

  setConversation(conversation: Conversation | null): void {
    this.conversation = conversation;
    if (conversation) {
      this.setParams({
        model: conversation.model ?? lastModel(conversation) ?? this.modelsInfo?.default_model ?? null,
        temperature: conversation.temperature,
        reasoning: conversation.reasoning,
      });
      this.upsertSummary(conversation);
    }
    this.emit("conversation", conversation);
  }

  /** Adds a page fetched above (`earlier`) or below (`later`) the shown part of the path, unless what is
   *  shown changed meanwhile (`cursor`, the message it was fetched next to, is no longer the edge). */
  addPage(page: Conversation, where: PageEvent["where"], cursor: string): void {
    const conversation = this.conversation;
    const edge = where === "earlier" ? conversation?.messages[0] : conversation?.messages.at(-1);
    if (!conversation || conversation.id !== page.id || edge?.id !== cursor) return;
    const known = new Set(conversation.messages.map((m) => m.id));
    const fresh = page.messages.filter((m) => !known.has(m.id));
    if (where === "earlier") {
      conversation.messages = [...fresh, ...conversation.messages];
      conversation.path_offset = page.path_offset;
      conversation.has_earlier = page.has_earlier;
    } else {
      conversation.messages = [...conversation.messages, ...fresh];
      conversation.has_later = page.has_later;
      conversation.active_leaf_id = page.active_leaf_id;
    }
    conversation.path_length = page.path_length;
    this.emit("page", { where, messages: fresh });
  }

  /** Forgets `count` messages at one end of the shown page (the view keeps its DOM bounded); they are
   *  fetched again when scrolled back to. Returns their ids. */
  dropMessages(where: PageEvent["where"], count: number): string[] {
    const conversation = this.conversation;
    if (!conversation || count <= 0) return [];
    const messages = conversation.messages;
    const dropped = where === "earlier" ? messages.splice(0, count) : messages.splice(messages.length - count);
    if (where === "earlier") {
      conversation.path_offset += dropped.length;
      conversation.has_earlier = true;
    } else {
      conversation.has_later = true;
    }
    return dropped.map((m) => m.id);
  }

  setParams(params: Partial<Params>): void {
    this.params = { ...this.params, ...params };
    this.emit("params", this.params);
  }

  setModels(info: ModelsInfo): void {
    this.modelsInfo = info;
    if (!this.params.model && info.default_model) this.params.model = info.default_model;
    if (!this.params.reasoning && info.default_reasoning) this.params.reasoning = info.default_reasoning;
    this.emit("models", info);
    this.emit("params", this.params);
  }

  /** Replaces a message of the open conversation (same id) and tells its renderer. */
  updateMessage(message: Message): void {
    const messages = this.conversation?.messages;
    if (!messages) return;
    const index = messages.findIndex((m) => m.id === message.id);
    if (index < 0) return;
    messages[index] = { ...message, sibling_ids: messages[index]!.sibling_ids, sibling_index: messages[index]!.sibling_index };
    this.emit("message", messages[index]!);
  }

  setList(items: ConversationSummary[], nextCursor: string | null, append: boolean): void {
    const known = new Set(append ? this.list.map((c) => c.id) : []);
    this.list = append ? [...this.list, ...items.filter((c) => !known.has(c.id))] : items;
    this.nextCursor = nextCursor;
    this.listLoaded = true;
    this.emit("list", this.list);
  }

  upsertSummary(summary: ConversationSummary): void {
    const rest = this.list.filter((c) => c.id !== summary.id);
    const { id, title, model, created_at, updated_at, message_count, total_cost, parent_conversation_id, branch_message_id } =
      summary;
    const entry = { id, title, model, created_at, updated_at, message_count, total_cost, parent_conversation_id, branch_message_id };
    const index = this.list.findIndex((c) => c.id === summary.id);
    this.list = index < 0 ? [entry, ...rest] : this.list.map((c) => (c.id === id ? entry : c));
    this.emit("list", this.list);
  }

  removeSummary(id: string): void {
    this.list = this.list.filter((c) => c.id !== id);
    this.emit("list", this.list);
  }

  setUsage(usage: Partial<StoreEvents["usage"]>): void {
    this.usage = { ...this.usage, ...usage };
    this.emit("usage", this.usage);
  }

  setConnection(state: Connection): void {
    if (state === this.connection) return;
    this.connection = state;
    this.emit("connection", state);
  }
}

function lastModel(conversation: Conversation): string | null {
  return conversation.messages.findLast((m) => m.role === "assistant" && m.model)?.model ?? null;
}
