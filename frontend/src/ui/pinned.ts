// The block pinned above a conversation: where it came from (a branch or clone, linked back to its
// source) and its system prompt, folded to one line, opened to read or edit it.
import type { Conversation } from "../lib/types";
import { button, h, icon, type Component } from "./dom";
import { lineage } from "./sidebar";

export interface PinnedActions {
  saveSystemPrompt(text: string): Promise<boolean>;
  sourceTitle(id: string): Promise<string | null>;
  openSource(id: string, messageId: string | null): void;
}

export function pinnedBlock(conversation: Conversation, actions: PinnedActions): Component {
  const el = h("div", { class: "pinned" });
  const kind = lineage(conversation);
  const source = conversation.parent_conversation_id;
  if (kind && source) {
    const link = h("a", { href: `#/c/${source}`, class: "source-link" }, "its source");
    link.addEventListener("click", (event) => {
      event.preventDefault();
      actions.openSource(source, conversation.branch_message_id);
    });
    void actions.sourceTitle(source).then((title) => title && (link.textContent = title));
    el.append(h("p", { class: "lineage" }, icon(kind, kind), kind === "branch" ? "branched from " : "cloned from ", link));
  }
  const details = h("details", { class: "system-prompt" });
  const summary = h("summary", {});
  const text = h("div", { class: "system-text" });
  const showSummary = (prompt: string): void => {
    const first = prompt.trim().split("\n")[0] ?? "";
    summary.replaceChildren(h("span", { class: "label" }, "system prompt"), h("span", { class: "preview" }, first || "none — tap to add one"));
    text.textContent = prompt || "No system prompt: the model gets only the conversation.";
    text.classList.toggle("dim", !prompt);
  };
  let prompt = conversation.system_prompt;
  const view = (): void => {
    showSummary(prompt);
    details.replaceChildren(summary, text, h("div", { class: "row" }, button("edit", edit)));
  };
  const edit = (): void => {
    const area = h("textarea", { class: "edit-area", rows: 4, "aria-label": "system prompt" });
    area.value = prompt;
    const save = async (): Promise<void> => {
      const next = area.value.trim();
      if (await actions.saveSystemPrompt(next)) prompt = next;
      view();
      details.open = true;
      details.querySelector<HTMLElement>(".row .btn")?.focus();
    };
    details.replaceChildren(summary, area, h("div", { class: "row" }, button("save", () => void save()), button("cancel", () => { view(); details.open = true; })));
    area.focus();
  };
  view();
  el.append(details);
  return { el, dispose: () => el.remove() };
}
