// A small pop-up action menu (per message, per conversation row): opened by its "⋯" button or a long
// press, closed by a choice, Esc, a tap elsewhere; arrow keys move, focus returns to the opener.
import { h } from "./dom";

export interface MenuItem {
  label: string;
  run: () => void;
  danger?: boolean;
}

let open: { el: HTMLElement; close: (refocus: boolean) => void } | null = null;

/** Closes the open menu, if any; true when one was open. */
export function closeMenu(): boolean {
  if (!open) return false;
  open.close(true);
  return true;
}

export function showMenu(opener: HTMLElement, items: MenuItem[], label: string): void {
  open?.close(false);
  const buttons = items.map((item) =>
    h("button", { type: "button", role: "menuitem", class: `menu-item${item.danger ? " danger" : ""}`, tabindex: -1, onclick: () => { close(true); item.run(); } }, item.label),
  );
  const el = h("div", { class: "popmenu", role: "menu", "aria-label": label }, ...buttons);
  const outside = (event: Event): void => {
    if (!el.contains(event.target as Node) && event.target !== opener) close(false);
  };
  const close = (refocus: boolean): void => {
    if (open?.el !== el) return;
    open = null;
    el.remove();
    opener.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", outside, true);
    if (refocus && opener.isConnected) opener.focus();
  };
  el.addEventListener("keydown", (event) => {
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === "Escape" || event.key === "Tab") {
      if (event.key === "Escape") event.preventDefault(); // not also the layer below
      close(event.key === "Escape");
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = (index + (event.key === "ArrowDown" ? 1 : -1) + buttons.length) % buttons.length;
      buttons[next]?.focus();
    }
  });
  opener.setAttribute("aria-expanded", "true");
  opener.after(el);
  open = { el, close };
  document.addEventListener("pointerdown", outside, true);
  // keep the menu inside the screen: above the opener when there is no room below
  const box = el.getBoundingClientRect();
  if (box.bottom > window.innerHeight - 8) el.classList.add("up");
  buttons[0]?.focus();
}

/** The "⋯" button that opens a menu (its items are built when it opens). */
export function menuButton(label: string, items: () => MenuItem[]): HTMLButtonElement {
  const btn: HTMLButtonElement = h("button", {
    type: "button",
    class: "btn more",
    "aria-label": label,
    "aria-haspopup": "menu",
    "aria-expanded": "false",
    onclick: () => (btn.getAttribute("aria-expanded") === "true" ? closeMenu() : showMenu(btn, items(), label)),
  }, "⋯");
  return btn;
}

/** A long press (touch) or right click on `target` opens the menu of `opener`. */
export function onLongPress(target: HTMLElement, opener: HTMLButtonElement): void {
  let timer = 0;
  const openIt = (): void => void (opener.getAttribute("aria-expanded") === "true" || opener.click());
  const cancel = (): void => window.clearTimeout(timer);
  target.addEventListener("contextmenu", (event) => {
    if ((event.target as Element).closest("a, pre, textarea, input")) return; // keep the browser's menu there
    event.preventDefault();
    cancel();
    openIt();
  });
  target.addEventListener("touchstart", (event) => {
    if ((event.target as Element).closest("button, a, textarea, input")) return;
    timer = window.setTimeout(openIt, 550);
  }, { passive: true });
  for (const name of ["touchend", "touchmove", "touchcancel"]) target.addEventListener(name, cancel, { passive: true });
}
