// The live cost line, one line that never wraps: model (tap: picker) · reasoning · temperature when set ·
// tokens and cost of the conversation, ticking while an answer streams (estimated from the streamed
// text at the model's output price, marked "~" until the server's count arrives) · context used of the
// model's window as a small gauge · connection.
import { formatCost, formatTokens } from "../lib/format";
import type { Store } from "../lib/store";
import type { Message } from "../lib/types";
import { h, type Component } from "./dom";

const CHARS_PER_TOKEN = 4; // a common rough ratio for English text and code

function streaming(store: Store): Message | undefined {
  return store.conversation?.messages.find((m) => m.status === "pending" || m.status === "streaming");
}

export function statusLine(store: Store, openPicker: () => void, toggleMemory?: () => void): Component {
  const cell = (name: string): HTMLSpanElement => h("span", { class: `sl-${name}`, "data-field": name });
  const bar = h("span", { class: "gauge-bar" });
  const fields = {
    // Tapping the model name opens the picker.
    model: h("button", { type: "button", class: "sl-model", "data-field": "model", "aria-haspopup": "dialog", "aria-label": "choose model", onclick: openPicker }),
    reasoning: cell("reasoning"),
    temp: cell("temp"),
    tokens: cell("tokens"),
    cost: cell("cost"),
    context: h("span", { class: "sl-context", "data-field": "context", role: "meter", "aria-label": "context used", "aria-valuemin": "0", "aria-valuemax": "100" }, h("span", { class: "gauge", "aria-hidden": "true" }, bar), cell("context-pct")),
    budget: cell("budget"),
    memory: h("button", { type: "button", class: "sl-memory", "data-field": "memory", title: "memory (tap: on/off)", onclick: toggleMemory }),
    connection: cell("connection"),
  };
  const el = h("footer", { class: "statusline", "aria-label": "status" }, ...Object.values(fields));

  const render = (): void => {
    const { model, temperature, reasoning } = store.params;
    const info = store.modelsInfo?.models.find((m) => m.id === model);
    fields.model.textContent = model ?? "no model";
    fields.temp.textContent = temperature === null ? "" : `t ${temperature}`;
    fields.temp.hidden = temperature === null;
    fields.reasoning.textContent = `r ${reasoning ?? "default"}`;
    const conv = store.usage.conversation;
    const overall = store.usage.overall;
    const live = streaming(store);
    const liveTokens = live ? Math.ceil((live.content.length + (live.reasoning_content?.length ?? 0)) / CHARS_PER_TOKEN) : 0;
    const liveCost = info?.price ? (liveTokens * info.price.output_per_mtok) / 1e6 : 0;
    const tokens = (conv ? conv.tokens_in + conv.tokens_out : 0) + liveTokens;
    const prefix = live ? "~" : "";
    fields.tokens.textContent = `${prefix}${formatTokens(tokens)} tok`;
    fields.tokens.title = overall ? `overall ${formatTokens(overall.tokens_in + overall.tokens_out)} tokens` : "";
    fields.cost.replaceChildren(
      `${prefix}${formatCost((conv?.cost ?? 0) + liveCost)}`,
      overall ? h("span", { class: "sl-overall" }, ` / ${formatCost(overall.cost)}`) : "",
    );
    fields.cost.title = "this conversation / overall";
    el.dataset.live = String(live !== undefined);
    const c = store.conversation;
    const mem = fields.memory;
    mem.hidden = !c || !(c.memory || mem.dataset.id === c.id); // stays after "off", to turn it on again
    if (c && !mem.hidden) {
      mem.dataset.id = c.id;
      mem.textContent = c.memory ? "◆mem" : "◇mem";
      mem.setAttribute("aria-pressed", String(!!c.memory));
    }
    // From 80 % of a dollar limit the line says so; at 100 % new turns are refused (the server's 402).
    const budget = store.usage.budget;
    const worst = budget?.lines.reduce((a, b) => (b.fraction > a.fraction ? b : a), budget.lines[0]);
    const warn = budget && worst && (budget.state === "warning" || budget.state === "exceeded");
    fields.budget.hidden = !warn;
    fields.budget.dataset.state = warn ? budget.state : "";
    fields.budget.replaceChildren(
      ...(warn ? [h("span", { class: "sl-budget-label" }, "budget "), `${Math.min(999, Math.round(worst.fraction * 100))}%`] : []),
    );
    const usd = (v: number): string => `$${v.toFixed(v < 1 ? 4 : 2)}`; // limits are often cents
    fields.budget.title = warn
      ? `${worst.period} budget: ${usd(worst.spent_usd)} of ${usd(worst.limit_usd)}` +
        (budget.state === "exceeded" ? " — new answers from paid models are refused until it resets" : "")
      : "";
    // The prompt of the latest answer is what the model's window held last.
    const last = store.conversation?.messages.findLast((m) => m.role === "assistant" && m.tokens_in > 0);
    const window = info?.capabilities?.context_window ?? 0;
    const used = window && last ? Math.min(100, ((last.tokens_in + last.tokens_out + liveTokens) / window) * 100) : 0;
    const shown = used > 0 && used < 1 ? "<1%" : `${Math.round(used)}%`;
    bar.style.width = `${used}%`;
    fields.context.setAttribute("aria-valuenow", used.toFixed(2));
    fields.context.setAttribute("aria-valuetext", window ? `${shown} of ${formatTokens(window)} tokens` : "unknown");
    fields.context.title = window ? `context: ${shown} of ${formatTokens(window)} tokens` : "context window unknown";
    fields.context.querySelector(".sl-context-pct")!.textContent = window ? shown : "?";
    const [dot, label] = { online: ["●", "live"], reconnecting: ["◌", "reconnecting"], offline: ["○", "offline"] }[store.connection];
    fields.connection.replaceChildren(`${dot} `, h("span", { class: "sl-conn-label" }, label));
    fields.connection.setAttribute("aria-label", `connection: ${label}`);
    fields.connection.dataset.state = store.connection;
  };
  const offs = [
    store.on("params", render),
    store.on("usage", render),
    store.on("connection", render),
    store.on("message", render),
    store.on("conversation", render),
    store.on("models", render),
  ];
  render();
  return { el, dispose: () => offs.forEach((off) => off()) };
}
