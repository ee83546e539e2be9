// The bottom status line: model · temp · reasoning · session tokens · session cost · connection.
import { formatCost, formatTokens } from "../lib/format";
import type { Store } from "../lib/store";
import { h, type Component } from "./dom";

export function statusLine(store: Store, openPicker: () => void): Component {
  const cell = (name: string): HTMLSpanElement => h("span", { class: `sl-${name}`, "data-field": name });
  const fields = {
    // Tapping the model name opens the picker.
    model: h("button", { type: "button", class: "sl-model", "data-field": "model", "aria-haspopup": "dialog", "aria-label": "choose model", onclick: openPicker }),
    temp: cell("temp"),
    reasoning: cell("reasoning"),
    tokens: cell("tokens"),
    cost: cell("cost"),
    connection: cell("connection"),
  };
  const el = h("footer", { class: "statusline", "aria-label": "status" }, ...Object.values(fields));

  const render = (): void => {
    const { model, temperature, reasoning } = store.params;
    fields.model.textContent = model ?? "no model";
    fields.temp.textContent = `t ${temperature ?? "default"}`;
    fields.reasoning.textContent = `r ${reasoning ?? "default"}`;
    const conv = store.usage.conversation;
    const overall = store.usage.overall;
    const tokens = conv ? conv.tokens_in + conv.tokens_out : 0;
    fields.tokens.textContent = `${formatTokens(tokens)} tok`;
    fields.tokens.title = overall ? `overall ${formatTokens(overall.tokens_in + overall.tokens_out)} tokens` : "";
    fields.cost.textContent = `${formatCost(conv?.cost ?? 0)}${overall ? ` / ${formatCost(overall.cost)}` : ""}`;
    fields.cost.title = "this conversation / overall";
    fields.connection.textContent = { online: "● live", reconnecting: "◌ reconnecting", offline: "○ offline" }[
      store.connection
    ];
    fields.connection.dataset.state = store.connection;
  };
  const offs = [store.on("params", render), store.on("usage", render), store.on("connection", render)];
  render();
  return { el, dispose: () => offs.forEach((off) => off()) };
}
