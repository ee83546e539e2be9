// Shapes of the server's /api answers (docs/api.md). Only what the web app reads is typed.

export type MessageStatus = "pending" | "streaming" | "complete" | "error" | "interrupted" | "cancelled";
export type Role = "user" | "assistant" | "system";
export const REASONING_LEVELS = ["none", "minimal", "low", "medium", "high"] as const;
export type Reasoning = (typeof REASONING_LEVELS)[number];

export interface Message {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  role: Role;
  content: string;
  reasoning_content: string;
  status: MessageStatus;
  model: string | null;
  provider: string | null;
  params: {
    temperature?: number | null;
    reasoning?: string | null;
    /** set when earlier messages were left out to fit the model's context window */
    context?: { left_out: number; model: string; window: number } | null;
    kind?: string;
    images?: string[];
  } | null;
  parts?: { type: string; media_id: string; name: string; mime: string }[];
  finish_reason: string | null;
  tokens_in: number;
  tokens_out: number;
  tokens_reasoning: number;
  tokens_cached: number;
  cost: number | null;
  latency_ms: number | null;
  ttft_ms: number | null;
  error: string | null;
  error_kind: string | null;
  created_at: string;
  updated_at: string;
  sibling_ids: string[];
  sibling_index: number;
}

export interface ConversationSummary {
  id: string;
  title: string;
  model: string | null;
  created_at: string;
  updated_at: string;
  message_count: number;
  total_cost: number | null;
  parent_conversation_id: string | null;
}

export interface Conversation extends ConversationSummary {
  temperature: number | null;
  reasoning: Reasoning | null;
  system_prompt: string;
  /** The user's memories join the system prompt (the status line's ◆mem switch). */
  memory?: boolean;
  active_leaf_id: string | null;
  branch_message_id: string | null;
  /** One page of the shown path, root side first (the newest page unless asked otherwise). */
  messages: Message[];
  path_length: number;
  /** Position of messages[0] on the whole path. */
  path_offset: number;
  has_earlier: boolean;
  has_later: boolean;
}

/** Which page of a conversation's path to fetch: the newest, or next to a message (one cursor at most). */
export interface PageQuery {
  limit?: number;
  before?: string;
  after?: string;
  around?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface SendResult {
  user_message: Message;
  assistant_message: Message;
}

export interface CatalogModel {
  id: string;
  provider: string;
  model: string;
  source: "live" | "fallback";
  is_local: boolean;
  capabilities?: { reasoning?: boolean; vision?: boolean; image_generation?: boolean; tools?: boolean; context_window?: number | null };
  price?: { input_per_mtok: number; output_per_mtok: number } | null;
}

export interface ModelsInfo {
  default_model: string | null;
  default_reasoning: Reasoning | null;
  providers: { name: string; protocol: string; status: string; error?: string; is_local: boolean }[];
  models: CatalogModel[];
  hint: string | null;
}

/** ``GET /api/budget``: the worst of the user's limits (``warning`` from 80 %, ``exceeded`` at 100 %). */
export interface BudgetStatus {
  state: "none" | "ok" | "warning" | "exceeded";
  lines: { scope: string; period: "day" | "month"; limit_usd: number; spent_usd: number; fraction: number; state: string }[];
}

export interface UsageSummary {
  scope: string;
  requests: number;
  tokens_in: number;
  tokens_out: number;
  tokens_reasoning: number;
  tokens_cached: number;
  cost: number | null;
  unknown_cost_requests: number;
}

export interface SearchResult {
  conversation_id: string;
  conversation_title: string;
  message_id: string | null;
  role: Role | null;
  snippet: string;
  rank: number;
  created_at: string;
}

export interface AuthUser {
  id: string;
  username: string;
  role: string;
}

export interface AuthStatus {
  auth_mode: "password" | "none" | "trusted-header";
  needs_setup: boolean;
  user: AuthUser | null;
}

export interface ProviderKey {
  id: string;
  name: string;
  protocol: string;
  base_url: string | null;
  key_hint: string | null;
  scope: string;
  source: string;
  read_only: boolean;
}

export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set([
  "complete",
  "error",
  "interrupted",
  "cancelled",
]);

export interface ImportItem {
  item: string;
  outcome: "imported" | "duplicate" | "skipped";
  format: string | null;
  title: string;
  conversation_id: string | null;
  messages: number;
  reason: string | null;
}

export interface ImportReport {
  imported: number;
  duplicates: number;
  skipped: number;
  items: ImportItem[];
}
