// Attachments and pictures, loaded once the chat is idle: the paperclip button (on a phone a menu:
// photo or file, or the camera), paste and
// drag-and-drop into the composer, the microphone (ui/voice.ts), photos downscaled in the browser before upload (a 12 MP phone photo
// becomes ~2048 px, ~1568 px for Claude, which is all the model uses), thumbnails in messages, and /image.
import "../styles/media.css";
import { installImageCommand } from "../lib/imagecmd";
import type { Message } from "../lib/types";
import type { Composer } from "./composer";
import type { Controller } from "./controller";
import { button, h, iconButton } from "./dom";
import { closeMenu, showMenu, type MenuItem } from "./menu";

installImageCommand();

const CLAUDE_SIDE = 1568;
const OPENAI_SIDE = 2048;
const ACCEPT = "image/png,image/jpeg,image/webp,image/gif,image/heic,application/pdf,text/*,.md,.csv,.json,.py,.ts,.js";

const PAPERCLIP = "M21 12l-8.5 8.5a5 5 0 0 1-7-7L14 5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4L16 8";

/** An inline-SVG icon button like the top bar's, drawn with `d`. */
export function svgButton(d: string, label: string, onClick: () => void, cls: string): HTMLButtonElement {
  const btn = iconButton("menu", label, onClick, { class: `btn icon ${cls}`, title: label });
  btn.querySelector("path")?.setAttribute("d", d);
  return btn;
}

interface Uploaded {
  id: string;
  url: string;
  kind: string;
  name: string;
}

/** The model the next message goes to, and what the catalog says about it. */
function chosenModel(controller: Controller) {
  const { store } = controller;
  const id = store.params.model ?? store.conversation?.model ?? store.modelsInfo?.default_model ?? null;
  const entries = controller.models().filter((m) => m.id === id);
  const protocols = entries.map((m) => store.modelsInfo?.providers.find((p) => p.name === m.provider)?.protocol);
  // the smaller size when the name could reach Claude: more pixels only cost there
  return { id, model: entries[0], side: protocols.includes("anthropic") ? CLAUDE_SIDE : OPENAI_SIDE };
}

/** Vision models the user can switch to, for the refusal. */
function visionModels(controller: Controller): string[] {
  return controller.models().filter((m) => m.capabilities?.vision).map((m) => m.id).slice(0, 4);
}

/** A photo scaled so its long side is at most `side`, as JPEG (PNG screenshots that fit stay PNG). */
export async function downscale(file: File, side: number): Promise<Blob> {
  const bitmap = await createImageBitmap(file).catch(() => null);
  if (!bitmap) return file; // the server decides (and refuses what is not an image)
  const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.type === "image/png" && file.size < 2_000_000) return file;
  const canvas = h("canvas", { width: Math.round(bitmap.width * scale), height: Math.round(bitmap.height * scale) });
  canvas.getContext("2d")?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob ?? file), "image/jpeg", 0.86));
}

async function upload(controller: Controller, blob: Blob, name: string, model: string | null): Promise<Uploaded> {
  const form = new FormData();
  form.append("file", blob, name);
  if (model) form.append("model", model);
  const response = await fetch("/api/media", { method: "POST", body: form, headers: controller.api.headers(), credentials: "same-origin" });
  const data = (await response.json().catch(() => null)) as (Uploaded & { error?: { message?: string } }) | null;
  if (!response.ok) throw new Error(data?.error?.message ?? `upload failed (${response.status})`);
  return data as Uploaded;
}

export function mountAttach(composer: Composer, controller: Controller): void {
  const chips = h("div", { class: "attachments", "aria-label": "attachments" });
  composer.el.insertBefore(chips, composer.el.querySelector(".input-row"));
  const picker = h("input", { type: "file", accept: ACCEPT, multiple: true, hidden: true, "aria-label": "attach files" });
  // capture: phones open the camera directly
  const camera = h("input", { type: "file", accept: "image/*", capture: "environment", hidden: true, "aria-label": "take a photo" });
  for (const input of [picker, camera]) {
    input.addEventListener("change", () => {
      void add(Array.from(input.files ?? []));
      input.value = "";
    });
  }
  // On a phone the camera is one more choice behind the paperclip, not a button of its own: three tool
  // buttons beside the text field left it too narrow to write in. A desktop picks files directly.
  const touch = matchMedia("(pointer: coarse)").matches;
  const choices: MenuItem[] = [
    { label: "photo or file", run: () => picker.click() },
    { label: "take a photo", run: () => camera.click() },
  ];
  const clip: HTMLButtonElement = svgButton(PAPERCLIP, "attach a photo or file (or paste, or drop)", () => {
    if (!touch) picker.click();
    else if (clip.getAttribute("aria-expanded") === "true") closeMenu();
    else showMenu(clip, choices, "attach");
  }, "attach");
  if (touch) {
    clip.setAttribute("aria-haspopup", "menu");
    clip.setAttribute("aria-expanded", "false");
  }
  composer.tools.append(picker, camera, clip);

  const add = async (files: File[]): Promise<void> => {
    for (const file of files) {
      const { id, model, side } = chosenModel(controller);
      const image = file.type.startsWith("image/");
      if (image && model && model.capabilities?.vision === false && !model.is_local) {
        const offer = visionModels(controller);
        composer.showNotice(`${id} cannot see images${offer.length ? ` — switch with /model ${offer.join(", /model ")}` : ""}. Nothing was uploaded.`);
        continue;
      }
      const chip = h("span", { class: "chip", "data-state": "uploading" }, h("span", { class: "chip-name" }, file.name));
      chips.append(chip);
      try {
        const blob = image ? await downscale(file, side) : file;
        const name = image && blob !== file ? file.name.replace(/\.\w+$/, "") + ".jpg" : file.name;
        const stored = await upload(controller, blob, name, id);
        composer.attachments.push({ id: stored.id, name: file.name });
        chip.dataset.state = "ready";
        chip.dataset.mediaId = stored.id;
        if (stored.kind === "image") chip.prepend(h("img", { class: "chip-thumb", src: stored.url, alt: "" }));
        chip.append(
          button("✕", () => {
            composer.attachments = composer.attachments.filter((a) => a.id !== stored.id);
            chip.remove();
          }, { class: "btn chip-remove", "aria-label": `remove ${file.name}` }),
        );
      } catch (error) {
        chip.remove();
        composer.showNotice(`${file.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  composer.input.addEventListener("paste", (event) => {
    const files = Array.from(event.clipboardData?.files ?? []);
    if (files.length) {
      event.preventDefault();
      void add(files);
    }
  });
  composer.el.addEventListener("dragover", (event) => {
    event.preventDefault();
    composer.el.classList.add("dropping");
  });
  composer.el.addEventListener("dragleave", () => composer.el.classList.remove("dropping"));
  composer.el.addEventListener("drop", (event) => {
    event.preventDefault();
    composer.el.classList.remove("dropping");
    void add(Array.from(event.dataTransfer?.files ?? []));
  });
  composer.on("sent", () => {
    composer.attachments = [];
    chips.replaceChildren();
  });
  void import("./voice").then((voice) => voice.mountVoice(composer, controller, svgButton));
}

/** What a message gets beyond its text: thumbnails of its attachments or generated pictures. */
export function decorate(body: HTMLElement, message: Message): void {
  if (message.parts?.length || message.params?.kind === "image") showThumbs(body, message);
}

/** Thumbnails of a message's attachments (user) or generated pictures (assistant), below its text. */
function showThumbs(body: HTMLElement, message: Message): void {
  const items = message.parts?.length
    ? message.parts.map((p) => ({ id: p.media_id, name: p.name, image: p.type === "image" }))
    : (message.params?.images ?? []).map((id) => ({ id, name: "generated image", image: true }));
  const strip = h("div", { class: "thumbs" });
  // a generated picture's markdown link (kept for exports and other clients) gives way to the picture
  body.querySelectorAll('a[href^="/api/media/"]').forEach((link) => link.remove());
  for (const item of items) {
    const url = `/api/media/${item.id}`;
    const inner = item.image
      ? h("img", { class: "thumb", src: url, alt: item.name, loading: "lazy" })
      : h("span", { class: "doc" }, item.name);
    strip.append(h("a", { href: url, target: "_blank", rel: "noopener", title: item.name }, inner));
  }
  body.after(strip);
}

export async function generateImage(controller: Controller, prompt: string, options: Record<string, string>): Promise<void> {
  const conversation = controller.store.conversation ?? (await controller.api.createConversation({}));
  controller.shell.chat.notice([`drawing “${prompt}”…`]);
  const body: Record<string, unknown> = { prompt, conversation_id: conversation.id };
  if (options.model) body.model = options.model;
  if (options.size) body.size = options.size;
  if (options.quality) body.quality = options.quality;
  if (options.n) body.n = Number(options.n);
  await controller.api.request("POST", "/api/images/generate", body);
  controller.show(await controller.api.getConversation(conversation.id));
}
