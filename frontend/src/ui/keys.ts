// Global keyboard shortcuts (lib/shortcuts.ts says which keys); Esc is the layers' own (ui/nav.ts).
import { SHORTCUTS, type ShortcutAction } from "../lib/shortcuts";

export function bindShortcuts(run: Record<ShortcutAction, () => void>): () => void {
  const onKey = (event: KeyboardEvent): void => {
    if (event.defaultPrevented || event.isComposing) return;
    const shortcut = SHORTCUTS.find((s) => s.matches(event));
    if (!shortcut) return;
    event.preventDefault();
    run[shortcut.action]();
  };
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
