// THE keyboard shortcut table (no DOM): drives the key handler (ui/keys.ts) and the lines in /help.

export type ShortcutAction = "newChat" | "search" | "focusComposer" | "modelPicker";

export interface Shortcut {
  action: ShortcutAction;
  /** As shown in /help ("Ctrl" reads "⌘" on a Mac). */
  keys: string;
  description: string;
  matches(event: KeyboardEvent): boolean;
}

const mod = (e: KeyboardEvent): boolean => e.ctrlKey || e.metaKey;

export const SHORTCUTS: readonly Shortcut[] = [
  { action: "newChat", keys: "Ctrl+Shift+O", description: "new chat", matches: (e) => mod(e) && e.shiftKey && e.code === "KeyO" },
  { action: "search", keys: "Ctrl+K", description: "search conversations", matches: (e) => mod(e) && !e.shiftKey && e.code === "KeyK" },
  { action: "modelPicker", keys: "Ctrl+Shift+M", description: "choose a model", matches: (e) => mod(e) && e.shiftKey && e.code === "KeyM" },
  // a bare key only where it would not be typed into something
  { action: "focusComposer", keys: "/", description: "write a message (when not typing)", matches: (e) => e.key === "/" && !mod(e) && !e.altKey && !editable(e.target) },
];

function editable(target: EventTarget | null): boolean {
  const el = target as { tagName?: string; isContentEditable?: boolean } | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || !!el.isContentEditable);
}

export function shortcutLines(mac = false): string[] {
  return SHORTCUTS.map((s) => `${mac ? s.keys.replace("Ctrl", "⌘") : s.keys} — ${s.description}`);
}
