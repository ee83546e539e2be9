// Compare (lazily loaded): one prompt answered by 2–4 models, shown side by side on a desktop and as
// swipeable tabs on a phone (a scroll-snap strip), each answer live with tokens, cost, latency and TTFT.
// "continue with this" switches the conversation to that answer's branch; the others stay as siblings.
import { followMessage } from "../lib/sse";
import { formatCost, formatMs, formatTokens } from "../lib/format";
import { FINAL_STATUSES, type Message } from "../lib/types";
import type { Controller } from "./controller";
import { button, h } from "./dom";
import { StreamingMarkdown } from "./streaming";
import cssUrl from "../styles/library.css?url";

// The styles are linked by this chunk, so the first screen holds no reference to them (CSP: same origin).
if (!document.getElementById("library-css")) document.head.append(Object.assign(document.createElement("link"), { id: "library-css", rel: "stylesheet", href: cssUrl }));

interface Turn {
  user_message: Message;
  assistant_messages: Message[];
}

export async function startCompare(ctrl: Controller, arg: string): Promise<void> {
  const known = new Set(ctrl.models().map((m) => m.id));
  const words = arg.split(/\s+/).filter(Boolean);
  const models: string[] = [];
  while (words.length && (known.has(words[0]!) || (known.size === 0 && models.length < 2))) models.push(words.shift()!);
  if (models.length < 2 || models.length > 4) {
    throw new Error(`/compare needs 2 to 4 known models, e.g. /compare ${[...known].slice(0, 2).join(" ") || "model-a model-b"} your question`);
  }
  const prompt = words.join(" ") || ctrl.shell.composer.input.value.trim();
  if (!prompt) {
    ctrl.shell.composer.setText(`/compare ${models.join(" ")} `);
    throw new Error("write the question after the model names");
  }
  const conversation = ctrl.store.conversation ?? (await ctrl.api.createConversation({ model: ctrl.store.params.model }));
  const turn = await ctrl.api.request<Turn>("POST", `/api/conversations/${conversation.id}/compare`, { content: prompt, models });
  ctrl.shell.composer.setText("");
  await ctrl.reload();
  if (!ctrl.store.conversation) ctrl.show(await ctrl.api.getConversation(conversation.id));
  showCompare(ctrl, conversation.id, turn);
}

/** The versions of an answer (regenerations, an earlier compare) side by side, from its message menu. */
export async function compareVersions(ctrl: Controller, message: Message): Promise<void> {
  if (!message.parent_id) return;
  const ids = message.sibling_ids ?? [message.id];
  const [user_message, ...assistant_messages] = await Promise.all([
    ctrl.api.getMessage(message.parent_id),
    ...ids.map((id) => (id === message.id ? message : ctrl.api.getMessage(id))),
  ]);
  showCompare(ctrl, message.conversation_id, { user_message, assistant_messages });
}

function stats(m: Message): string {
  const parts: string[] = [m.status];
  if (m.tokens_in || m.tokens_out) parts.push(`${formatTokens(m.tokens_in)} in · ${formatTokens(m.tokens_out)} out`);
  if (m.cost != null) parts.push(formatCost(m.cost));
  if (m.ttft_ms != null) parts.push(`ttft ${formatMs(m.ttft_ms)}`);
  if (m.latency_ms != null) parts.push(formatMs(m.latency_ms));
  return parts.join(" · ");
}

let closeShown: (() => void) | null = null; // the compare view on screen, if any

export function showCompare(ctrl: Controller, conversationId: string, turn: Turn): void {
  closeShown?.();
  const stops: (() => void)[] = [];
  const tabs = h("div", { class: "compare-tabs", role: "tablist", "aria-label": "answers" });
  const strip = h("div", { class: "compare-strip" });
  let close = (): void => undefined; // a layer once shown: Back, Esc and "close" take it down
  const models = turn.assistant_messages.map((m) => m.model ?? "?");
  turn.assistant_messages.forEach((message, index) => {
    // versions of one model are told apart by their number
    const name = models.indexOf(models[index]!) === models.lastIndexOf(models[index]!) ? models[index]! : `${index + 1} · ${models[index]}`;
    const body = new StreamingMarkdown("compare-body md");
    const meta = h("div", { class: "compare-meta dim", "aria-live": "off" });
    const tab = h("button", { type: "button", class: "btn compare-tab", role: "tab", "aria-selected": String(index === 0) }, name);
    const pick = button("continue with this", () => {
      void ctrl.guard(ctrl.api.switchTo(conversationId, message.id)).then((c) => {
        if (!c) return;
        close();
        ctrl.show(c);
        ctrl.shell.composer.input.focus();
      });
    }, { class: "btn compare-pick" });
    const column = h("section", { class: "compare-col frame", "data-model": message.model ?? "", "data-status": message.status, "aria-label": name },
      h("header", { class: "compare-head" }, h("strong", {}, name), pick), meta, body.el);
    const render = (m: Message, text: string): void => {
      column.dataset.status = m.status;
      meta.textContent = stats(m);
      if (FINAL_STATUSES.has(m.status)) body.finish(text);
      else body.update(text);
      if (m.error) meta.textContent += ` · ${m.error}`;
    };
    let current = message;
    render(message, message.content);
    tab.addEventListener("click", () => column.scrollIntoView({ behavior: "smooth", block: "nearest", inline: "start" }));
    tabs.append(tab);
    strip.append(column);
    stops.push(followMessage({ url: ctrl.api.streamUrl(message.id), headers: ctrl.api.headers(), text: "", reasoning: "" }, {
      onSnapshot: (m) => render((current = { ...m, status: FINAL_STATUSES.has(m.status) ? current.status : m.status }), m.content),
      onText: (text) => render((current = { ...current, content: text, status: "streaming" }), text),
      onReasoning: () => undefined,
      onDone: (m) => render((current = m), m.content),
      onConnection: () => undefined,
    }));
  });
  // Phone: the strip scrolls one answer per screen; the tab of the one in view is selected.
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const index = [...strip.children].indexOf(entry.target);
      [...tabs.children].forEach((t, i) => t.setAttribute("aria-selected", String(i === index)));
    }
  }, { root: strip, threshold: 0.6 });
  [...strip.children].forEach((c) => observer.observe(c));
  stops.push(() => observer.disconnect());
  const panel = h("div", { class: "compare", role: "dialog", "aria-label": "compare answers" },
    h("header", { class: "compare-top" }, h("span", { class: "compare-prompt" }, `compare: ${turn.user_message.content}`), button("close", () => close())),
    tabs,
    strip,
  );
  document.body.append(panel);
  close = ctrl.shell.layer(() => {
    stops.forEach((stop) => stop());
    panel.remove();
    closeShown = null;
  });
  closeShown = close;
}
