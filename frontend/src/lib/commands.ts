// THE slash-command table: one entry per command drives the parser, the completion popup and /help.
// (tests/browser/test_docs_commands.py reads the `name:` fields below and checks the README lists them.)
import { fuzzyFilter } from "./fuzzy";
import { REASONING_LEVELS, type CatalogModel, type Reasoning } from "./types";

/** What a command may do; the UI implements it. */
export interface CommandContext {
  models(): readonly CatalogModel[];
  setModel(id: string): Promise<void>;
  setTemperature(value: number): Promise<void>;
  setReasoning(level: Reasoning): Promise<void>;
  appendSystem(text: string): Promise<void>;
  showHelp(): void;
  newConversation(): Promise<void>;
  branchHere(): Promise<void>;
  showSearch(query: string): Promise<void>;
  showStats(): Promise<void>;
  exportConversation(format: ExportFormat): Promise<void>;
  remember(fact: string): Promise<void>;
  generateImage(prompt: string, options: Record<string, string>): Promise<void>;
  /** The lazily loaded library and compare screens (ui/library.ts, ui/compare.ts). */
  library(command: string, arg: string): Promise<void>;
  prompts?: readonly string[];
}

/** /image's checks and completions, filled in by lib/imagecmd.ts (loaded with ui/attach.ts). */
export const imageCommand: Partial<Pick<CommandDef, "parse" | "complete">> = {};

export const EXPORT_FORMATS = ["json", "md", "pdf"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface Completion {
  label: string;
  detail: string;
  /** The whole input line after choosing it. */
  value: string;
  /** Enter on it runs the line at once (an argument was chosen) rather than only filling it in. */
  runs: boolean;
  tag?: string;
}

/** A checked command ready to run, or why the arguments are wrong (shown inline). */
export type Parsed = { run: (ctx: CommandContext) => Promise<void> } | { error: string };

export interface CommandDef {
  name: string;
  args: string;
  description: string;
  parse(arg: string, ctx: CommandContext): Parsed;
  complete?(arg: string, ctx: CommandContext): Completion[];
}

const MAX_COMPLETIONS = 8;

function noArgs(name: string, run: (ctx: CommandContext) => Promise<void>) {
  return (arg: string): Parsed => (arg ? { error: `/${name} takes no arguments` } : { run });
}

function modelCompletions(arg: string, ctx: CommandContext): Completion[] {
  return fuzzyFilter(arg, ctx.models(), (m) => m.id)
    .slice(0, MAX_COMPLETIONS)
    .map(({ item }) => ({
      label: item.id,
      detail: item.is_local ? `${item.provider} · local` : item.provider,
      value: `/model ${item.id}`,
      runs: true,
      ...(item.source === "fallback" ? { tag: "fallback" } : {}),
    }));
}

/** Commands run by the lazily loaded library module; /p and /preset complete the saved names. */
function library(name: string) {
  return {
    parse: (arg: string): Parsed => ({ run: (c) => c.library(name, arg) }),
    complete: (arg: string, ctx: CommandContext): Completion[] =>
      (ctx.prompts ?? []).filter((n) => n.startsWith(`${name}:${arg}`)).map((n) => ({ label: n.slice(name.length + 1), detail: name, value: `/${n.replace(":", " ")}`, runs: true })),
  };
}

export const COMMANDS: readonly CommandDef[] = [
  {
    name: "model",
    args: "<name>",
    description: "use this model for the conversation",
    parse(arg, ctx) {
      if (!arg) return { error: "/model needs a model name, e.g. /model gpt-5.1 (Tab completes)" };
      const known = ctx.models();
      if (known.length > 0 && !known.some((m) => m.id === arg)) {
        const close = modelCompletions(arg, ctx).map((c) => c.label).slice(0, 3);
        const hint = close.length ? ` — did you mean ${close.join(", ")}?` : "";
        return { error: `unknown model "${arg}"${hint}` };
      }
      return { run: (c) => c.setModel(arg) };
    },
    complete: modelCompletions,
  },
  {
    name: "temp",
    args: "<0–2>",
    description: "sampling temperature (0 = focused, 2 = wild)",
    parse(arg) {
      const value = Number(arg);
      if (!arg || !Number.isFinite(value) || value < 0 || value > 2) {
        return { error: "temperature must be a number from 0 to 2, e.g. /temp 0.7" };
      }
      return { run: (c) => c.setTemperature(value) };
    },
  },
  {
    name: "reasoning",
    args: "<none|minimal|low|medium|high>",
    description: "how hard reasoning models think",
    parse(arg) {
      const level = REASONING_LEVELS.find((l) => l === arg);
      if (!level) return { error: `reasoning must be one of: ${REASONING_LEVELS.join(", ")}` };
      return { run: (c) => c.setReasoning(level) };
    },
    complete: (arg) =>
      REASONING_LEVELS.filter((l) => l.startsWith(arg)).map((l) => ({
        label: l,
        detail: "reasoning effort",
        value: `/reasoning ${l}`,
        runs: true,
      })),
  },
  {
    name: "system",
    args: "<text>",
    description: "append to the conversation's system prompt",
    parse: (arg) =>
      arg ? { run: (c) => c.appendSystem(arg) } : { error: "/system needs text, e.g. /system answer briefly" },
  },
  { name: "help", args: "", description: "list the commands", parse: noArgs("help", async (c) => c.showHelp()) },
  { name: "new", args: "", description: "start a new conversation", parse: noArgs("new", (c) => c.newConversation()) },
  {
    name: "branch",
    args: "",
    description: "copy this conversation up to here into a new one",
    parse: noArgs("branch", (c) => c.branchHere()),
  },
  {
    name: "search",
    args: "<query>",
    description: "search all conversations",
    parse: (arg) => (arg ? { run: (c) => c.showSearch(arg) } : { error: "/search needs words to look for" }),
  },
  {
    name: "remember",
    args: "<fact>",
    description: "keep a fact for new conversations",
    parse: (arg) => (arg ? { run: (c) => c.remember(arg) } : { error: "/remember needs a fact" }),
  },
  { name: "stats", args: "", description: "tokens and cost so far", parse: noArgs("stats", (c) => c.showStats()) },
  {
    name: "image",
    args: "<prompt> [size=…] [quality=…] [n=…]",
    description: "generate an image",
    parse: (arg, ctx) => imageCommand.parse?.(arg, ctx) ?? { run: (c) => c.generateImage(arg, {}) },
    complete: (arg, ctx) => imageCommand.complete?.(arg, ctx) ?? [],
  },
  {
    name: "export",
    args: "[json|md|pdf]",
    description: "download this conversation (json: every branch; md, pdf: the shown path)",
    parse(arg) {
      const format = EXPORT_FORMATS.find((f) => f === (arg || "json"));
      if (!format) return { error: `export format must be one of: ${EXPORT_FORMATS.join(", ")}` };
      return { run: (c) => c.exportConversation(format) };
    },
    complete: (arg) =>
      EXPORT_FORMATS.filter((f) => f.startsWith(arg)).map((f) => ({
        label: f,
        detail: "export format",
        value: `/export ${f}`,
        runs: true,
      })),
  },
  { name: "compare", args: "<models…> <prompt>", description: "ask 2–4 models at once", ...library("compare") },
  { name: "p", args: "[name]", description: "send a saved prompt", ...library("p") },
  { name: "preset", args: "[name]", description: "apply a preset", ...library("preset") },
];

export function findCommand(name: string): CommandDef | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export function isCommand(line: string): boolean {
  return /^\/[a-z]*(\s|$)/i.test(line);
}

function split(line: string): { name: string; arg: string; hasSpace: boolean } {
  const match = /^\/(\S*)(\s+)?([\s\S]*)$/.exec(line) ?? [];
  return { name: (match[1] ?? "").toLowerCase(), arg: (match[3] ?? "").trim(), hasSpace: Boolean(match[2]) };
}

export function parseCommand(line: string, ctx: CommandContext): Parsed {
  const { name, arg } = split(line.trim());
  const command = findCommand(name);
  if (!command) return { error: `unknown command /${name} — type /help for the list` };
  return command.parse(arg, ctx);
}

export function completions(line: string, ctx: CommandContext): Completion[] {
  if (!line.startsWith("/") || line.includes("\n")) return [];
  const { name, arg, hasSpace } = split(line);
  if (!hasSpace) {
    return fuzzyFilter(name, COMMANDS, (c) => c.name).map(({ item }) => ({
      label: `/${item.name}`,
      detail: item.description,
      value: item.args ? `/${item.name} ` : `/${item.name}`,
      runs: !item.args,
      ...(item.args ? { tag: item.args } : {}),
    }));
  }
  return findCommand(name)?.complete?.(arg, ctx) ?? [];
}

export function helpLines(): string[] {
  return COMMANDS.map((c) => `/${c.name}${c.args ? ` ${c.args}` : ""} — ${c.description}`);
}
