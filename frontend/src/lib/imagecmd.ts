// /image: the options each image model accepts, checked before the request and completed in the popup.
import { imageCommand, type CommandContext, type CommandDef } from "./commands";

// /image options each model accepts (sizes, qualities, most pictures per call), as OpenAI documents them
const IMAGE_OPTIONS: Record<string, [string[], string[], number]> = {
  "dall-e-2": [["256x256", "512x512", "1024x1024"], [], 10],
  "dall-e-3": [["1024x1024", "1792x1024", "1024x1792"], ["standard", "hd"], 1],
  "gpt-image-1": [["auto", "1024x1024", "1536x1024", "1024x1536"], ["auto", "low", "medium", "high"], 10],
};

export function imageModel(options: Record<string, string>, ctx: CommandContext): string {
  return options.model ?? ctx.models().find((m) => m.capabilities?.image_generation)?.id ?? "gpt-image-1";
}

/** `/image <prompt> size=… quality=… n=…`: the words that are options, and the prompt. */
export function imageArgs(arg: string): [string, Record<string, string>] {
  const options: Record<string, string> = {};
  const words = arg.split(/\s+/).filter((w) => {
    const [, key, value] = /^(size|quality|n|model)=(.*)$/.exec(w) ?? [];
    if (key) options[key] = value ?? "";
    return !key;
  });
  return [words.join(" "), options];
}

function imageChoices(model: string): [string[], string[], number] {
  const bare = model.split("/").pop() ?? model;
  return IMAGE_OPTIONS[bare] ?? IMAGE_OPTIONS[bare.replace(/-mini$/, "")] ?? [[], [], 10];
}

const image: Pick<CommandDef, "parse" | "complete"> = {
  parse(arg, ctx) {
    const [prompt, options] = imageArgs(arg);
    if (!prompt) return { error: "/image needs a description, e.g. /image a lighthouse at dusk size=1024x1024" };
    const [sizes, qualities, most] = imageChoices(imageModel(options, ctx));
    for (const [key, allowed] of [["size", sizes], ["quality", qualities]] as const) {
      const value = options[key];
      if (value && !allowed.includes(value)) return { error: allowed.length ? `${key} must be one of: ${allowed.join(", ")}` : `this model takes no ${key}` };
    }
    if (options.n && !(Number(options.n) >= 1 && Number(options.n) <= most)) return { error: `n must be from 1 to ${most}` };
    return { run: (c) => c.generateImage(prompt, options) };
  },
  complete(arg, ctx) {
    const [, options] = imageArgs(arg);
    const [, key, typed = ""] = /(?:^|\s)(size|quality|n)=(\S*)$/.exec(arg) ?? [];
    if (!key) return [];
    const [sizes, qualities, most] = imageChoices(imageModel(options, ctx));
    const values = key === "size" ? sizes : key === "quality" ? qualities : Array.from({ length: most }, (_, i) => String(i + 1));
    const head = arg.slice(0, arg.length - typed.length);
    return values.filter((v) => v.startsWith(typed)).map((v) => ({ label: v, detail: key, value: `/image ${head}${v} `, runs: false }));
  },
};

/** Installs the checks into the command table (called when ui/attach.ts loads). */
export function installImageCommand(): void {
  Object.assign(imageCommand, image);
}
