// The per-conversation cost breakdown (a lazy chunk, opened from the status line's cost): every answer on
// the shown path with its model, tokens in / out / cached / reasoning, cost, latency and time to first
// token, and the totals. The whole path is read (up to 500 messages per request), not only what is shown.
import "../styles/breakdown.css";
import type { Api } from "../lib/api";
import { formatCost, formatMs, formatTokens } from "../lib/format";
import type { Conversation, Message } from "../lib/types";
import { button, h, type Component } from "./dom";
import { droppedParams, timeOf } from "./message";

const PAGE = 500;
const MAX_PAGES = 20; // 10 000 messages: beyond that the table says it is partial

async function answers(api: Api, conversation: Conversation): Promise<{ rows: Message[]; partial: boolean }> {
  let page = await api.getConversation(conversation.id, { limit: PAGE });
  const all = [...page.messages];
  let pages = 1;
  while (page.has_earlier && pages < MAX_PAGES && page.messages[0]) {
    page = await api.getConversation(conversation.id, { limit: PAGE, before: page.messages[0].id });
    all.unshift(...page.messages);
    pages += 1;
  }
  return { rows: all.filter((m) => m.role === "assistant"), partial: page.has_earlier };
}

export function breakdownPanel(api: Api, conversation: Conversation, close: () => void): Component {
  const body = h("div", { class: "breakdown-body" }, h("p", { class: "dim" }, "loading…"));
  const el = h(
    "section",
    { class: "breakdown frame", role: "dialog", "aria-modal": "true", "aria-labelledby": "breakdown-title" },
    h("header", { class: "settings-head" }, h("h2", { id: "breakdown-title" }, "┤ cost by message ├"), button("close", close)),
    h("p", { class: "dim breakdown-title" }, conversation.title || "untitled"),
    body,
  );
  // data-label: a phone shows each answer as a block of labelled values instead of nine columns (which
  // do not fit 390 px: styles/breakdown.css). The roles keep it a table for screen readers either way.
  const cell = (text: string, cls = "", label = ""): HTMLTableCellElement => h("td", { class: cls, role: "cell", "data-label": label || null }, text);
  void answers(api, conversation).then(
    ({ rows, partial }) => {
      if (rows.length === 0) {
        body.replaceChildren(h("p", { class: "dim" }, "No answers yet: nothing has been spent here."));
        return;
      }
      const sum = (pick: (m: Message) => number): number => rows.reduce((total, m) => total + pick(m), 0);
      const head = ["#", "model", "in", "cached", "out", "reasoning", "cost", "latency", "ttft"].map((t) => h("th", { scope: "col", role: "columnheader" }, t));
      const lines = rows.map((m, i) =>
        h(
          "tr",
          { "data-message-id": m.id, role: "row" },
          cell(String(i + 1), "num index"),
          h("td", { class: "model", role: "cell" }, m.model ?? "–", ...droppedParams(m).map((p) => h("span", { class: "dropped", title: `${p} not sent: the model does not accept it` }, ` −${p}`)), h("time", { datetime: m.created_at }, timeOf(m.created_at))),
          cell(formatTokens(m.tokens_in), "num", "in"),
          cell(formatTokens(m.tokens_cached), "num", "cached"),
          cell(formatTokens(m.tokens_out), "num", "out"),
          cell(formatTokens(m.tokens_reasoning), "num", "reasoning"),
          cell(formatCost(m.cost), "num cost"),
          cell(formatMs(m.latency_ms), "num", "latency"),
          cell(formatMs(m.ttft_ms), "num", "ttft"),
        ),
      );
      const total = h(
        "tr",
        { class: "total", role: "row" },
        h("th", { scope: "row", colspan: 2, role: "rowheader" }, `${rows.length} answers`),
        cell(formatTokens(sum((m) => m.tokens_in)), "num", "in"),
        cell(formatTokens(sum((m) => m.tokens_cached)), "num", "cached"),
        cell(formatTokens(sum((m) => m.tokens_out)), "num", "out"),
        cell(formatTokens(sum((m) => m.tokens_reasoning)), "num", "reasoning"),
        cell(formatCost(sum((m) => m.cost ?? 0)), "num cost"),
        cell("", "num empty"),
        cell("", "num empty"),
      );
      body.replaceChildren(
        h("div", { class: "table-scroll", tabindex: 0, role: "region", "aria-label": "cost by message" }, h("table", { class: "breakdown-table", role: "table" }, h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, ...head)), h("tbody", { role: "rowgroup" }, ...lines), h("tfoot", { role: "rowgroup" }, total))),
      );
      if (partial) body.append(h("p", { class: "dim" }, `only the newest ${PAGE * MAX_PAGES} messages are listed`));
    },
    (error: unknown) => body.replaceChildren(h("p", { class: "error" }, `could not load the breakdown: ${error instanceof Error ? error.message : String(error)}`)),
  );
  queueMicrotask(() => el.querySelector<HTMLElement>(".settings-head .btn")?.focus());
  return { el, dispose: () => el.remove() };
}
