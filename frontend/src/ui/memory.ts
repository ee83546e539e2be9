// Settings → memory (a lazily loaded chunk): the opt-in switch, the cheap model's proposals to accept or
// reject, and the accepted memories to edit or delete. Accepted memories join the system prompt of new
// conversations; the status line's "mem" switch turns them off for one conversation.
import "../styles/plans.css";
import { ApiError, type Api } from "../lib/api";
import { button, h, type Component } from "./dom";

interface MemoryItem {
  id: string;
  text: string;
  status: "accepted" | "proposed";
}
interface MemoryOverview {
  enabled: boolean;
  memories: MemoryItem[];
  proposals: MemoryItem[];
}

export function memoryPanel(api: Api, onClose: () => void): Component {
  const status = h("p", { class: "form-note", role: "status" });
  const say = (text: string): void => void (status.textContent = text);
  const fail = (e: unknown): void => say(e instanceof ApiError ? e.message : "request failed");
  const enabled = h("input", { type: "checkbox", id: "memory-enabled" });
  const proposals = h("ul", { class: "plan-list", "aria-label": "proposed memories" });
  const memories = h("ul", { class: "plan-list", "aria-label": "memories" });
  const input = h("input", { "aria-label": "new memory", placeholder: "a fact to remember, e.g. I prefer metric units", maxlength: "500" });

  const render = (view: MemoryOverview): void => {
    enabled.checked = view.enabled;
    proposals.replaceChildren(
      ...view.proposals.map((p) =>
        h(
          "li",
          { class: "plan-item proposal" },
          h("span", { class: "plan-text" }, p.text),
          button("accept", () => void api.request("PATCH", `/api/memory/${p.id}`, { accept: true }).then(load, fail)),
          button("reject", () => void api.request("DELETE", `/api/memory/${p.id}`).then(load, fail)),
        ),
      ),
    );
    if (!view.proposals.length) proposals.append(h("li", { class: "dim" }, "no proposals waiting"));
    memories.replaceChildren(
      ...view.memories.map((m) => {
        const text = h("input", { "aria-label": "memory text", value: m.text, maxlength: "500" });
        const save = button("save", () => void api.request("PATCH", `/api/memory/${m.id}`, { text: text.value }).then(() => (say("saved"), load()), fail));
        save.disabled = true;
        text.addEventListener("input", () => void (save.disabled = text.value.trim() === m.text));
        return h("li", { class: "plan-item" }, text, save, button("delete", () => void api.request("DELETE", `/api/memory/${m.id}`).then(load, fail)));
      }),
    );
    if (!view.memories.length) memories.append(h("li", { class: "dim" }, "nothing remembered yet — /remember <fact> in the chat"));
  };
  const load = (): void => void api.request<MemoryOverview>("GET", "/api/memory").then(render, fail);

  enabled.addEventListener("change", () => {
    void api.request<MemoryOverview>("PUT", "/api/memory/settings", { enabled: enabled.checked }).then((view) => {
      render(view);
      say(view.enabled ? "memory on: new conversations get your memories" : "memory off: no conversation gets them");
    }, fail);
  });
  // on demand: the cheap model reads the open conversation and proposes facts (stored only as proposals)
  const open = /^#\/c\/([0-9a-f]{32})$/.exec(location.hash)?.[1];
  const propose = open
    ? button("propose from this conversation", () => {
        say("asking the cheap model…");
        void api.request<MemoryItem[]>("POST", "/api/memory/propose", { conversation_id: open }).then((found) => {
          say(found.length ? `${found.length} proposed: accept or reject them` : "nothing new to propose");
          load();
        }, fail);
      })
    : null;
  const form = h("form", { class: "plan-form" }, input, h("button", { type: "submit", class: "btn" }, "remember"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void api.request("POST", "/api/memory", { text: input.value }).then(() => {
      form.reset();
      say("remembered");
      load();
    }, fail);
  });

  const el = h(
    "section",
    { class: "settings dashboard plans frame", role: "dialog", "aria-label": "memory" },
    h("header", { class: "settings-head" }, h("h2", {}, "┤ memory ├"), button("close", onClose)),
    h("label", { class: "plan-switch", for: "memory-enabled" }, enabled, " remember facts about me across conversations"),
    h("p", { class: "dim" }, "Accepted memories join the system prompt of new conversations (◆mem in the status line; tap it to turn them off there). Never sent to a cloud model in a #no_cloud turn."),
    h("h3", {}, "proposed — accept or reject"),
    proposals,
    propose,
    h("h3", {}, "memories"),
    memories,
    form,
    status,
  );
  load();
  return { el, dispose: () => el.remove() };
}
