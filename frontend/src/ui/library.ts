// The prompt library and presets (lazily loaded): `/p name` fills a saved prompt's {{variables}} in a
// small form and sends it; `/preset name` applies a preset to the conversation; either without a name
// opens the library screen (create, delete, default preset, import/export as JSON).
import { REASONING_LEVELS } from "../lib/types";
import type { Controller } from "./controller";
import { button, h } from "./dom";
import cssUrl from "../styles/library.css?url";

// The styles are linked by this chunk, so the first screen holds no reference to them (CSP: same origin).
if (!document.getElementById("library-css")) document.head.append(Object.assign(document.createElement("link"), { id: "library-css", rel: "stylesheet", href: cssUrl }));

interface Entry { id: string; name: string; description: string; scope: string; editable: boolean }
interface Prompt extends Entry { body: string; variables: string[] }
interface Preset extends Entry { model: string | null; reasoning: string | null; temperature: number | null; system_prompt: string | null; is_default: boolean }

async function load(ctrl: Controller): Promise<{ prompts: Prompt[]; presets: Preset[] }> {
  const [p, s] = await Promise.all([
    ctrl.api.request<{ items: Prompt[] }>("GET", "/api/prompts"),
    ctrl.api.request<{ items: Preset[] }>("GET", "/api/presets"),
  ]);
  ctrl.prompts = [...p.items.map((x) => `p:${x.name}`), ...s.items.map((x) => `preset:${x.name}`)];
  return { prompts: p.items, presets: s.items };
}

/** `command` "" (once the chat is idle): only fetch the names /p and /preset complete. */
export async function run(ctrl: Controller, command: string, arg: string): Promise<void> {
  if (command === "compare") return (await import("./compare")).startCompare(ctrl, arg);
  const { prompts, presets } = await load(ctrl);
  if (!command) return;
  if (!arg) return openLibrary(ctrl);
  // a personal entry is listed before the instance's of the same name
  const list: Entry[] = command === "p" ? prompts : presets;
  const entry = list.find((e) => e.name === arg);
  if (!entry) throw new Error(`no ${command === "p" ? "prompt" : "preset"} named "${arg}" — /${command} alone opens the library`);
  if (command === "p") return fillPrompt(ctrl, entry as Prompt);
  await applyPreset(ctrl, entry as Preset);
}

async function applyPreset(ctrl: Controller, preset: Preset): Promise<void> {
  const conversation = ctrl.store.conversation ?? (await ctrl.api.createConversation({}));
  const updated = await ctrl.api.request<typeof conversation>("POST", `/api/presets/${preset.id}/apply`, { conversation_id: conversation.id });
  ctrl.show(updated);
  const what = [updated.model, updated.reasoning && `reasoning ${updated.reasoning}`, updated.temperature != null && `temperature ${updated.temperature}`].filter(Boolean);
  ctrl.shell.chat.notice([`preset ${preset.name}: ${what.join(" · ")}`, ...(preset.system_prompt ? [`system prompt: ${preset.system_prompt}`] : [])]);
}

let closeFill: (() => void) | null = null; // the variables form on screen, if any

function fillPrompt(ctrl: Controller, prompt: Prompt): void {
  if (prompt.variables.length === 0) {
    void ctrl.submit(prompt.body);
    return;
  }
  closeFill?.(); // a form already open goes through its layer, leaving no stray history entry
  const inputs = prompt.variables.map((name) => h("textarea", { name, rows: 1, "aria-label": name, placeholder: name }));
  let done = (): void => form.remove(); // a history layer once shown: Back closes it too
  const values = (): Record<string, string> => Object.fromEntries(inputs.map((i) => [i.name, i.value]));
  const render = (): Promise<{ text: string }> => ctrl.api.request("POST", `/api/prompts/${prompt.id}/render`, { values: values() });
  const form = h("form", { class: "fill frame", "aria-label": `fill in ${prompt.name}` },
    h("strong", {}, `/p ${prompt.name}`),
    ...inputs.flatMap((input) => [h("label", {}, input.name, input)]),
    h("div", { class: "row" },
      h("button", { type: "submit", class: "btn" }, "send"),
      button("insert", () => void ctrl.guard(render()).then((r) => { if (r) { done(); ctrl.shell.composer.setText(r.text); } })),
      button("cancel", () => done())));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void ctrl.guard(render()).then((r) => {
      if (!r) return;
      done();
      void ctrl.submit(r.text);
    });
  });
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault(); // the form only, not also the layer below
    done();
  });
  document.body.append(form);
  done = closeFill = ctrl.shell.layer(() => {
    form.remove();
    closeFill = null;
  });
  inputs[0]!.focus();
}

function field(label: string, input: HTMLElement): HTMLElement {
  return h("label", { class: "row" }, h("span", {}, label), input);
}

/** An admin may share what they make with everyone (``instance``); anyone else keeps it personal. */
function scopeField(admin: boolean): HTMLElement[] {
  if (!admin) return [];
  return [field("shared with", h("select", { name: "scope" }, h("option", { value: "user" }, "only me"), h("option", { value: "instance" }, "everyone here")))];
}

type Save = (path: string, method: "POST" | "PATCH", data: Record<string, unknown>) => void;

/** A form that makes a new entry, or saves the one picked with "edit" (PATCH; its scope stays). */
function entryForm(kind: "prompt" | "preset", fields: HTMLElement[], save: Save): { form: HTMLFormElement; edit: (entry: object) => void } {
  let editing: string | null = null;
  const submit = h("button", { type: "submit", class: "btn" }, `save ${kind}`);
  const cancel = button("cancel edit", () => reset(), { hidden: true });
  const form = h("form", { "aria-label": `new ${kind}` }, ...fields, h("div", { class: "row" }, submit, cancel));
  const scope = (): HTMLElement | null => form.querySelector("[name=scope]")?.closest("label") ?? null;
  const reset = (): void => {
    editing = null;
    form.reset();
    form.setAttribute("aria-label", `new ${kind}`);
    submit.textContent = `save ${kind}`;
    cancel.hidden = true;
    scope()?.removeAttribute("hidden");
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const entries = [...new FormData(form)].map(([k, v]) => [k, v === "" ? null : v] as const);
    // a new entry leaves out what was not filled in; an edit sends it as null, which clears it
    const data: Record<string, unknown> = Object.fromEntries(editing ? entries.filter(([k]) => k !== "scope") : entries.filter(([, v]) => v !== null));
    if (typeof data.temperature === "string") data.temperature = Number(data.temperature);
    if (editing && data.description === null) data.description = "";
    if (editing) save(`/api/${kind}s/${editing}`, "PATCH", data);
    else save(`/api/${kind}s`, "POST", data);
  });
  const edit = (entry: object): void => {
    const values = entry as Record<string, unknown>;
    editing = String(values.id);
    for (const input of form.querySelectorAll<HTMLInputElement>("[name]")) {
      if (input.name in values) input.value = values[input.name] == null ? "" : String(values[input.name]);
    }
    form.setAttribute("aria-label", `edit ${kind} ${String(values.name)}`);
    submit.textContent = "save changes";
    cancel.hidden = false;
    scope()?.setAttribute("hidden", ""); // an entry keeps the scope it was made with
    form.scrollIntoView({ block: "nearest" });
    form.querySelector<HTMLElement>("[name]")?.focus();
  };
  return { form, edit };
}

export async function openLibrary(ctrl: Controller): Promise<void> {
  if (document.querySelector(".library")) return;
  const panel = h("section", { class: "library frame", role: "dialog", "aria-label": "prompt library" });
  document.body.append(panel);
  const close = ctrl.shell.layer(() => panel.remove()); // Back and Esc close it as well
  const admin = await ctrl.api.authStatus().then((s) => s.user?.role === "admin", () => false);
  const refresh = async (): Promise<void> => {
    const { prompts, presets } = await load(ctrl);
    const act = (work: Promise<unknown>): void => void ctrl.guard(work).then(() => refresh());
    const save: Save = (path, method, data) => act(ctrl.api.request(method, path, data));
    const entry = (e: Entry, extra: string, use: () => void, edit: () => void, more: HTMLElement[] = []): HTMLElement =>
      h("div", { class: "entry", "data-name": e.name },
        h("div", { class: "row" }, h("strong", {}, e.name), h("span", { class: "dim" }, `${e.scope === "instance" ? "instance" : "personal"} ${e.description}`)),
        h("pre", { class: "dim" }, extra),
        h("div", { class: "row" }, button("use", use), ...more,
          e.editable ? button("edit", edit) : null,
          e.editable ? button("delete", () => act(ctrl.api.request("DELETE", `/api/${"body" in e ? "prompts" : "presets"}/${e.id}`))) : null));
    const promptForm = entryForm("prompt", [
      field("name", h("input", { name: "name", required: true, pattern: "[A-Za-z0-9][A-Za-z0-9_.\\-]*" })),
      field("description", h("input", { name: "description" })),
      field("text ({{variable}})", h("textarea", { name: "body", rows: 3, required: true })),
      ...scopeField(admin),
    ], save);
    const presetForm = entryForm("preset", [
      field("name", h("input", { name: "name", required: true })),
      field("description", h("input", { name: "description" })),
      field("model", h("input", { name: "model", list: "library-models" })),
      field("reasoning", h("select", { name: "reasoning" }, h("option", { value: "" }, "—"), ...REASONING_LEVELS.map((l) => h("option", { value: l }, l)))),
      field("temperature", h("input", { name: "temperature", type: "number", min: 0, max: 2, step: 0.1 })),
      field("system prompt", h("textarea", { name: "system_prompt", rows: 2 })),
      ...scopeField(admin),
      h("datalist", { id: "library-models" }, ...ctrl.models().map((m) => h("option", { value: m.id }))),
    ], save);
    const file = h("input", { type: "file", accept: "application/json,.json", "aria-label": "import a library file" });
    file.addEventListener("change", () => {
      const chosen = file.files?.[0];
      if (chosen) act(chosen.text().then((text) => ctrl.api.request("POST", "/api/prompts/import", JSON.parse(text))));
    });
    panel.replaceChildren(
      h("header", { class: "row" }, h("h2", {}, "┤ library ├"), button("close", close)),
      h("h3", {}, "prompts"),
      ...prompts.map((p) => entry(p, p.body, () => { close(); fillPrompt(ctrl, p); }, () => promptForm.edit(p))),
      promptForm.form,
      h("h3", {}, "presets"),
      ...presets.map((p) => entry(p, [p.model, p.reasoning, p.temperature, p.system_prompt].filter((x) => x != null).join(" · "),
        () => { close(); void ctrl.guard(applyPreset(ctrl, p)); },
        () => presetForm.edit(p),
        [button(p.is_default ? "default ✓" : "make default", () => act(ctrl.api.request("PUT", "/api/presets/default", { preset_id: p.is_default ? null : p.id })))])),
      presetForm.form,
      h("div", { class: "row" }, h("a", { class: "btn", href: "/api/prompts/export", download: "llm-router-library.json" }, "export"), file),
    );
  };
  await refresh();
}
