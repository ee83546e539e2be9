// The usage dashboard (Settings → usage): cost and tokens per day/week/month as bar charts, breakdowns,
// the most expensive conversations, local-first savings, CSV/JSON export and the request log with
// filters and paging. Charts are inline SVG (ui/chart.ts), so the page adds no library to the bundle.
import { ApiError, type Api } from "../lib/api";
import { formatCost, formatMs, formatTokens } from "../lib/format";
import { UsageApi, windowOf, type Bucket, type GroupBy, type LogFilters, type UsageTotals } from "../lib/usage";
import { barChart } from "./chart";
import { button, h, type Component } from "./dom";

const RANGES: Record<Bucket, number> = { day: 30, week: 7 * 26, month: 365 };
const GROUPS: GroupBy[] = ["model", "provider", "device", "token", "source"];

function totalsLine(t: UsageTotals): string {
  return `${t.requests} requests · ${formatTokens(t.tokens_in)} in · ${formatTokens(t.tokens_out)} out · ${formatCost(t.cost)}`;
}

function select<T extends string>(label: string, values: readonly T[], current: T, onChange: (v: T) => void): HTMLSelectElement {
  const el = h("select", { "aria-label": label }, ...values.map((v) => h("option", { value: v, selected: v === current }, v)));
  el.addEventListener("change", () => onChange(el.value as T));
  return el;
}

export function dashboardPanel(api: Api, onClose: () => void): Component {
  const usage = new UsageApi(api);
  let bucket: Bucket = "day";
  let group: GroupBy = "model";
  const status = h("p", { class: "form-note", role: "status" });
  const fail = (e: unknown): void => void (status.textContent = e instanceof ApiError ? e.message : "request failed");

  const summary = h("p", { class: "dash-summary" });
  const costChart = h("figure", { class: "dash-chart" });
  const tokenChart = h("figure", { class: "dash-chart" });
  const breakdown = h("table", { class: "dash-table" });
  const top = h("ol", { class: "dash-top" });
  const csv = h("a", { class: "btn", download: "" }, "export csv");
  const json = h("a", { class: "btn", download: "" }, "export json");

  const loadCharts = async (): Promise<void> => {
    const { from, to } = windowOf(RANGES[bucket]);
    csv.setAttribute("href", usage.exportUrl("csv", from, to));
    json.setAttribute("href", usage.exportUrl("json", from, to));
    const [series, parts, conversations] = await Promise.all([
      usage.series(bucket, from, to),
      usage.breakdown(group, from, to),
      usage.conversations(from, to),
    ]);
    summary.textContent = `${from} → ${to}: ${totalsLine(series.total)} · local-first saved ${formatCost(series.total.saving)}`;
    const label = (start: string): string => (bucket === "month" ? start.slice(0, 7) : start.slice(5));
    costChart.replaceChildren(
      h("figcaption", {}, `cost per ${bucket}`),
      barChart(series.points.map((p) => ({ label: label(p.start), value: p.cost })), formatCost, `cost per ${bucket}`),
    );
    tokenChart.replaceChildren(
      h("figcaption", {}, `tokens per ${bucket}`),
      barChart(series.points.map((p) => ({ label: label(p.start), value: p.tokens_in + p.tokens_out })), formatTokens, `tokens per ${bucket}`),
    );
    breakdown.replaceChildren(
      h("tr", {}, h("th", {}, group), h("th", {}, "req"), h("th", {}, "tokens"), h("th", {}, "cost")),
      ...parts.items.map((i) =>
        h("tr", {}, h("td", {}, i.key ?? "–"), h("td", {}, String(i.requests)), h("td", {}, formatTokens(i.tokens_in + i.tokens_out)), h("td", {}, formatCost(i.cost))),
      ),
    );
    top.replaceChildren(
      ...conversations.items.map((c) => h("li", {}, h("a", { href: `#/c/${c.conversation_id}` }, c.title || "untitled"), ` · ${formatCost(c.cost)}`)),
    );
    if (conversations.items.length === 0) top.append(h("li", { class: "dim" }, "none in this window"));
  };

  // request log: filters and "more" paging over /api/logs
  const filters: LogFilters = {};
  let cursor: string | null = null;
  const logList = h("ul", { class: "dash-log" });
  const more = button("more", () => void loadLogs(false));
  const loadLogs = async (reset: boolean): Promise<void> => {
    if (reset) {
      cursor = null;
      logList.replaceChildren();
    }
    const page = await usage.logs(filters, cursor);
    cursor = page.next_cursor;
    more.hidden = cursor === null;
    logList.append(
      ...page.items.map((r) =>
        h(
          "li",
          { class: `log-${r.status}` },
          `${r.created_at.slice(5, 16).replace("T", " ")} · ${r.source} · ${r.model ?? "–"} · ${r.status} · ${formatTokens(r.tokens_in + r.tokens_out)} tok · ${formatCost(r.cost)} · ${formatMs(r.latency_ms)}`,
        ),
      ),
    );
    if (reset && page.items.length === 0) logList.append(h("li", { class: "dim" }, "no requests match"));
  };
  const modelFilter = h("input", { "aria-label": "filter by model", placeholder: "model" });
  const statusFilter = select("filter by status", ["", "ok", "error", "cancelled"] as const, "", (v) => {
    filters.status = v || undefined;
    void loadLogs(true).catch(fail);
  });
  const sourceFilter = select("filter by source", ["", "chat", "openai", "anthropic", "title", "memory"] as const, "", (v) => {
    filters.source = v || undefined;
    void loadLogs(true).catch(fail);
  });
  modelFilter.addEventListener("change", () => {
    filters.model = modelFilter.value.trim() || undefined;
    void loadLogs(true).catch(fail);
  });

  const reload = (): void => void loadCharts().catch(fail);
  const el = h(
    "section",
    { class: "settings dashboard frame", role: "dialog", "aria-label": "usage" },
    h("header", { class: "settings-head" }, h("h2", {}, "┤ usage ├"), button("close", onClose)),
    h(
      "div",
      { class: "row dash-controls" },
      select("bucket", ["day", "week", "month"] as const, bucket, (v) => ((bucket = v), reload())),
      select("group by", GROUPS, group, (v) => ((group = v), reload())),
      csv,
      json,
    ),
    summary,
    costChart,
    tokenChart,
    h("h3", {}, "breakdown"),
    breakdown,
    h("h3", {}, "most expensive conversations"),
    top,
    h("h3", {}, "request log"),
    h("div", { class: "row dash-controls" }, modelFilter, statusFilter, sourceFilter),
    logList,
    more,
    status,
  );
  reload();
  void loadLogs(true).catch(fail);
  return { el, dispose: () => el.remove() };
}
