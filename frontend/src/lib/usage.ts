// The usage dashboard's data (no DOM): /api/usage/series, /breakdown, /conversations, /export, /api/logs.
import type { Api } from "./api";

export type Bucket = "day" | "week" | "month";
export type GroupBy = "model" | "provider" | "device" | "token" | "source" | "user";

export interface UsageTotals {
  requests: number;
  tokens_in: number;
  tokens_out: number;
  cost: number;
  saving: number;
}
export interface SeriesPoint extends UsageTotals {
  start: string;
}
export interface UsageSeries {
  bucket: Bucket;
  points: SeriesPoint[];
  total: UsageTotals;
}
export interface BreakdownItem extends UsageTotals {
  key: string | null;
}
export interface ConversationCost extends UsageTotals {
  conversation_id: string;
  title: string;
}
export interface LogEntry {
  id: string;
  created_at: string;
  source: string;
  model: string | null;
  provider: string | null;
  route: string | null;
  status: string;
  tokens_in: number;
  tokens_out: number;
  cost: number | null;
  saving: number | null;
  latency_ms: number | null;
}
export interface LogFilters {
  model?: string;
  status?: string;
  source?: string;
  since?: string;
}

/** The window the dashboard shows: the last ``days`` days up to today (UTC). */
export function windowOf(days: number, today = new Date()): { from: string; to: string } {
  const to = today.toISOString().slice(0, 10);
  const from = new Date(today.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== "");
  return new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString();
}

export class UsageApi {
  constructor(private readonly api: Api) {}

  series(bucket: Bucket, from: string, to: string): Promise<UsageSeries> {
    return this.api.request("GET", `/api/usage/series?${query({ bucket, from, to })}`);
  }
  breakdown(by: GroupBy, from: string, to: string): Promise<{ items: BreakdownItem[] }> {
    return this.api.request("GET", `/api/usage/breakdown?${query({ by, from, to })}`);
  }
  conversations(from: string, to: string): Promise<{ items: ConversationCost[] }> {
    return this.api.request("GET", `/api/usage/conversations?${query({ from, to, limit: 5 })}`);
  }
  logs(filters: LogFilters, cursor: string | null): Promise<{ items: LogEntry[]; next_cursor: string | null }> {
    return this.api.request("GET", `/api/logs?${query({ ...filters, limit: 20, cursor: cursor ?? undefined })}`);
  }
  exportUrl(format: "csv" | "json", from: string, to: string): string {
    return `/api/usage/export?${query({ format, from, to })}`;
  }
}
