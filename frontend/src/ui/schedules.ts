// Settings → scheduled prompts (a lazily loaded chunk): each schedule with its next run (in your time
// zone), its last result and cost, failures in red; run now, pause/resume, edit, delete; a form that
// takes a cron expression or a simple form ("every weekday at 07:00") and, when made, a preset.
import "../styles/plans.css";
import { ApiError, type Api } from "../lib/api";
import { formatCost } from "../lib/format";
import { button, h, type Component } from "./dom";

interface Schedule {
  id: string;
  name: string;
  prompt: string;
  model: string | null;
  schedule: string;
  description: string;
  timezone: string;
  catch_up: "once" | "skip";
  paused: boolean;
  conversation_id: string | null;
  next_run_at: string | null;
  runs: number;
  last: { at: string | null; status: string | null; error: string | null; cost: number | null; excerpt: string | null };
}

const RUNNING = new Set(["started", "pending", "streaming"]);
const FAILED = new Set(["error", "failed", "refused", "interrupted"]);
// in the schedule's own time zone: "07:00" means 07:00 where the schedule lives
const when = (iso: string | null, timeZone?: string): string =>
  iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short", hourCycle: "h23", ...(timeZone ? { timeZone } : {}) }) : "–";
const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export function schedulesPanel(api: Api, onClose: () => void): Component {
  const status = h("p", { class: "form-note", role: "status" });
  const say = (text: string): void => void (status.textContent = text);
  const fail = (e: unknown): void => say(e instanceof ApiError ? e.message : "request failed");
  const list = h("ul", { class: "plan-list", "aria-label": "scheduled prompts" });
  let editing: string | null = null;

  const name = h("input", { "aria-label": "name", placeholder: "name (optional)", maxlength: "200" });
  const prompt = h("textarea", { "aria-label": "prompt", placeholder: "the prompt, e.g. Brief me on {{date}}", rows: "3", required: true });
  const when_ = h("input", { "aria-label": "schedule", placeholder: "every weekday at 07:00 · or cron 0 7 * * 1-5", required: true });
  const model = h("input", { "aria-label": "model", placeholder: "model or route (default model if empty)" });
  const zone = h("input", { "aria-label": "time zone", value: localZone() });
  // a preset sets the schedule conversation's model, reasoning, temperature and system prompt (at creation)
  const preset = h("select", { "aria-label": "preset" }, h("option", { value: "" }, "no preset"));
  const catchUp = h("select", { "aria-label": "catch up" }, h("option", { value: "once" }, "missed while down: run once"), h("option", { value: "skip" }, "missed while down: skip"));
  const submit = h("button", { type: "submit", class: "btn" }, "schedule");
  const cancel = button("cancel edit", () => reset(), { hidden: true });
  const form = h("form", { class: "plan-form schedule-form" }, name, prompt, when_, model, preset, zone, catchUp, h("div", { class: "row" }, submit, cancel));

  const reset = (): void => {
    editing = null;
    form.reset();
    zone.value = localZone();
    submit.textContent = "schedule";
    cancel.hidden = true;
    preset.hidden = false;
  };
  const edit = (s: Schedule): void => {
    editing = s.id;
    name.value = s.name;
    prompt.value = s.prompt;
    when_.value = s.schedule;
    model.value = s.model ?? "";
    zone.value = s.timezone;
    catchUp.value = s.catch_up;
    submit.textContent = "save";
    cancel.hidden = false;
    preset.hidden = true; // a preset shapes the conversation once, when the schedule is made
    prompt.focus();
  };
  const act = (promise: Promise<unknown>, done: string): void => void promise.then(() => (say(done), load()), fail);

  const item = (s: Schedule): HTMLElement => {
    const state = s.last.status ?? "never run";
    const last = h(
      "p",
      { class: `plan-last${FAILED.has(state) ? " plan-failed" : ""}`, "data-status": state },
      `last: ${state}${s.last.at ? ` · ${when(s.last.at, s.timezone)}` : ""}${s.last.cost != null ? ` · ${formatCost(s.last.cost)}` : ""}`,
      s.last.error ? h("span", { class: "plan-error" }, ` — ${s.last.error}`) : null,
    );
    return h(
      "li",
      { class: `plan-item schedule${s.paused ? " paused" : ""}`, "data-id": s.id },
      h("div", { class: "plan-text" }, h("strong", {}, s.name), h("span", { class: "dim" }, ` · ${s.description} (${s.timezone})${s.model ? ` · ${s.model}` : ""}`)),
      h("p", { class: "plan-next" }, s.paused ? "paused" : `next: ${when(s.next_run_at, s.timezone)}`, ` · ${s.runs} run${s.runs === 1 ? "" : "s"}`),
      last,
      s.last.excerpt ? h("p", { class: "plan-excerpt dim" }, s.last.excerpt) : null,
      h(
        "div",
        { class: "row" },
        button("run now", () => act(api.request("POST", `/api/schedules/${s.id}/run`), "started")),
        button(s.paused ? "resume" : "pause", () => act(api.request("PATCH", `/api/schedules/${s.id}`, { paused: !s.paused }), s.paused ? "resumed" : "paused")),
        button("edit", () => edit(s)),
        // a fresh start on the conversation's address closes every panel on the way
        s.conversation_id ? h("a", { class: "btn", href: `#/c/${s.conversation_id}` }, "open") : null,
        button("delete", () => act(api.request("DELETE", `/api/schedules/${s.id}`), "deleted (its conversation stays)")),
      ),
    );
  };
  let timer = 0;
  const load = (): void =>
    void api.request<Schedule[]>("GET", "/api/schedules").then((items) => {
      list.replaceChildren(...items.map(item));
      if (!items.length) list.append(h("li", { class: "dim" }, "no scheduled prompts yet"));
      // a run in progress: look again shortly, until its answer has finished
      window.clearTimeout(timer);
      if (items.some((s) => RUNNING.has(s.last.status ?? ""))) timer = window.setTimeout(() => el.isConnected && load(), 1500);
    }, fail);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { name: name.value.trim() || null, prompt: prompt.value, schedule: when_.value, model: model.value.trim() || null, timezone: zone.value.trim(), catch_up: catchUp.value };
    const saving = editing
      ? api.request("PATCH", `/api/schedules/${editing}`, { ...body, name: body.name ?? undefined })
      : api.request("POST", "/api/schedules", { ...body, preset_id: preset.value || null });
    act(saving.then(reset), editing ? "saved" : "scheduled");
  });

  const el = h(
    "section",
    { class: "settings dashboard plans frame", role: "dialog", "aria-label": "scheduled prompts" },
    h("header", { class: "settings-head" }, h("h2", {}, "┤ scheduled prompts ├"), button("close", onClose)),
    list,
    h("h3", {}, "new / edit"),
    form,
    h("p", { class: "dim" }, "{{date}} {{time}} {{weekday}} in the prompt are filled in for each run. Each answer lands in the schedule's own conversation."),
    status,
  );
  load();
  void api.request<{ items: { id: string; name: string; model: string | null }[] }>("GET", "/api/presets").then(
    ({ items }) => preset.append(...items.map((p) => h("option", { value: p.id }, `preset: ${p.name}${p.model ? ` (${p.model})` : ""}`))),
    () => undefined, // no presets to offer: the form works without them
  );
  return { el, dispose: () => (window.clearTimeout(timer), el.remove()) };
}
