// The /api client: JSON in and out, the device id on every request, errors as ApiError.
import type { AuthStatus, BudgetStatus, Conversation, ConversationSummary, ImportReport, Message, ModelsInfo, Page, PageQuery, ProviderKey, Reasoning, SearchResult, SendResult, UsageSummary } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  get offline(): boolean {
    return this.status === 0;
  }
}

export interface GenerationParams {
  model?: string | null;
  temperature?: number | null;
  reasoning?: Reasoning | null;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export class Api {
  constructor(
    readonly deviceId: string,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { "X-Device-Id": this.deviceId, ...extra };
  }

  async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, headers: this.headers(), credentials: "same-origin" };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = this.headers({ "Content-Type": "application/json" });
    }
    let response: Response;
    try {
      response = await this.fetchImpl(path, init);
    } catch {
      throw new ApiError(0, "offline", "the server cannot be reached");
    }
    if (response.status === 204) return undefined as T;
    const data: unknown = await response.json().catch(() => null);
    if (!response.ok) throw toApiError(response.status, data);
    return data as T;
  }

  // export and import (docs/export-format.md)
  exportUrl(id: string, format: string): string {
    return `/api/conversations/${id}/export?format=${encodeURIComponent(format)}`;
  }
  async importFile(file: Blob, name: string): Promise<ImportReport> {
    const form = new FormData();
    form.append("file", file, name);
    let response: Response;
    try {
      response = await this.fetchImpl("/api/import", { method: "POST", headers: this.headers(), body: form, credentials: "same-origin" });
    } catch {
      throw new ApiError(0, "offline", "the server cannot be reached");
    }
    const data: unknown = await response.json().catch(() => null);
    if (!response.ok) throw toApiError(response.status, data);
    return data as ImportReport;
  }

  // conversations
  listConversations(cursor: string | null, limit = 30): Promise<Page<ConversationSummary>> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set("cursor", cursor);
    return this.request("GET", `/api/conversations?${query}`);
  }
  createConversation(body: GenerationParams & { title?: string }): Promise<Conversation> {
    return this.request("POST", "/api/conversations", body);
  }
  getConversation(id: string, page: PageQuery = {}): Promise<Conversation> {
    const query = new URLSearchParams(Object.entries(page).map(([k, v]) => [k, String(v)])).toString();
    return this.request("GET", `/api/conversations/${id}${query ? `?${query}` : ""}`);
  }
  updateConversation(id: string, body: GenerationParams & { title?: string }): Promise<Conversation> {
    return this.request("PATCH", `/api/conversations/${id}`, body);
  }
  appendSystem(id: string, text: string): Promise<Conversation> {
    return this.request("POST", `/api/conversations/${id}/system`, { text, mode: "append" });
  }
  deleteConversation(id: string): Promise<void> {
    return this.request("DELETE", `/api/conversations/${id}`);
  }
  switchTo(id: string, messageId: string): Promise<Conversation> {
    return this.request("POST", `/api/conversations/${id}/switch`, { message_id: messageId });
  }
  cloneConversation(id: string): Promise<Conversation> {
    return this.request("POST", `/api/conversations/${id}/clone`);
  }
  send(id: string, content: string, parentId: string | null, params: GenerationParams, attachments: object[] = []): Promise<SendResult> {
    const body: Record<string, unknown> = { content, ...params };
    if (attachments.length) body.attachments = attachments;
    if (parentId) body.parent_id = parentId;
    return this.request("POST", `/api/conversations/${id}/messages`, body);
  }

  // messages
  getMessage(id: string): Promise<Message> {
    return this.request("GET", `/api/messages/${id}`);
  }
  cancel(id: string): Promise<Message> {
    return this.request("POST", `/api/messages/${id}/cancel`);
  }
  regenerate(id: string, params: GenerationParams): Promise<{ assistant_message: Message }> {
    return this.request("POST", `/api/messages/${id}/regenerate`, params);
  }
  edit(id: string, content: string): Promise<SendResult> {
    return this.request("POST", `/api/messages/${id}/edit`, { content });
  }
  continueMessage(id: string): Promise<{ assistant_message: Message }> {
    return this.request("POST", `/api/messages/${id}/continue`);
  }
  branch(id: string): Promise<Conversation> {
    return this.request("POST", `/api/messages/${id}/branch`);
  }
  streamUrl(id: string): string {
    return `/api/messages/${id}/stream`;
  }

  // search, models, usage
  search(q: string, limit = 20): Promise<{ results: SearchResult[] }> {
    return this.request("GET", `/api/search?${new URLSearchParams({ q, limit: String(limit) })}`);
  }
  models(): Promise<ModelsInfo> {
    return this.request("GET", "/api/models");
  }
  budget(): Promise<BudgetStatus> {
    return this.request("GET", "/api/budget");
  }

  usage(scope: "overall" | "device" | "conversation", conversationId?: string): Promise<UsageSummary> {
    const query = new URLSearchParams({ scope });
    if (conversationId) query.set("conversation_id", conversationId);
    return this.request("GET", `/api/usage/summary?${query}`);
  }

  // account
  authStatus(): Promise<AuthStatus> {
    return this.request("GET", "/api/auth/status");
  }
  setup(username: string, password: string): Promise<unknown> {
    return this.request("POST", "/api/auth/setup", { username, password });
  }
  login(username: string, password: string): Promise<unknown> {
    return this.request("POST", "/api/auth/login", { username, password });
  }
  logout(): Promise<void> {
    return this.request("POST", "/api/auth/logout");
  }
  changePassword(current: string, next: string): Promise<void> {
    return this.request("POST", "/api/auth/password", { current_password: current, new_password: next });
  }
  keys(): Promise<{ items: ProviderKey[] }> {
    return this.request("GET", "/api/keys");
  }
  addKey(body: { name: string; protocol: string; base_url?: string; api_key: string }): Promise<ProviderKey> {
    return this.request("POST", "/api/keys", body);
  }
  deleteKey(id: string): Promise<void> {
    return this.request("DELETE", `/api/keys/${id}`);
  }
  testKey(id: string): Promise<{ ok: boolean; message: string }> {
    return this.request("POST", `/api/keys/${id}/test`);
  }
}

function toApiError(status: number, data: unknown): ApiError {
  const error = (data as { error?: { code?: string; message?: string } } | null)?.error;
  const detail = (data as { detail?: unknown } | null)?.detail;
  const message = error?.message ?? (typeof detail === "string" ? detail : `request failed (${status})`);
  return new ApiError(status, error?.code ?? "error", message);
}
