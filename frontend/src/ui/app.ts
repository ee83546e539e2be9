// The shell: top bar, drawer/pane, chat, composer, status line, offline banner; wires the controller.
import type { Api } from "../lib/api";
import type { Store } from "../lib/store";
import type { AuthStatus } from "../lib/types";
import { ChatView } from "./chat";
import { Composer } from "./composer";
import { Controller, conversationFromHash } from "./controller";
import { button, h, type Component } from "./dom";
import { settingsPanel } from "./settings";
import { Sidebar } from "./sidebar";
import { statusLine } from "./statusline";
import { toggleTheme } from "./theme";

export function mountApp(root: HTMLElement, api: Api, store: Store, auth: AuthStatus | null): Controller {
  const controller = new Controller(api, store);
  const chat = new ChatView(store, controller);
  const composer = new Composer(controller);
  const sidebar = new Sidebar(store, controller);
  const status = statusLine(store);
  const banner = h("div", { class: "banner", role: "alert", hidden: true }, "offline — reconnecting when the network is back…");
  const scrim = h("div", { class: "scrim", "aria-hidden": "true", onclick: () => setDrawer(false) });
  const title = h("span", { class: "title" }, "llm-router");
  const menu = button("☰", () => setDrawer(!root.classList.contains("drawer-open")), {
    class: "btn icon menu",
    "aria-label": "conversations",
    "aria-controls": "sidebar",
  });
  let settings: Component | null = null;
  const openSettings = (): void => {
    settings?.dispose();
    settings = settingsPanel(api, auth, () => {
      settings?.dispose();
      settings = null;
    });
    root.append(settings.el);
  };
  const topbar = h(
    "header",
    { class: "topbar" },
    menu,
    title,
    button("◐", () => void toggleTheme(), { class: "btn icon", "aria-label": "toggle light/dark theme" }),
    button("⚙", openSettings, { class: "btn icon", "aria-label": "settings" }),
  );
  const setDrawer = (open: boolean): void => {
    root.classList.toggle("drawer-open", open);
    menu.setAttribute("aria-expanded", String(open));
  };

  composer.on("submit", (text) => void controller.submit(text));
  controller.shell = {
    chat,
    composer,
    runSearch: (q) => sidebar.runSearch(q),
    closeDrawer: () => setDrawer(false),
    openDrawer: () => setDrawer(true),
  };
  const showTitle = (): void => void (title.textContent = store.conversation?.title || "llm-router");
  store.on("conversation", showTitle);
  store.on("list", showTitle);
  store.on("connection", (state) => (banner.hidden = state !== "offline"));

  root.replaceChildren(
    sidebar.el,
    scrim,
    h("div", { class: "main" }, topbar, banner, chat.el, h("div", { class: "dock" }, composer.el, status.el)),
  );
  watchNetwork(store, controller);
  window.addEventListener("hashchange", () => {
    const id = conversationFromHash();
    if (id && id !== store.conversation?.id) void controller.open(id);
  });
  void controller.start();
  return controller;
}

/** Offline: banner; back online: reload the conversation, which resumes its streams. */
function watchNetwork(store: Store, controller: Controller): void {
  window.addEventListener("offline", () => store.setConnection("offline"));
  window.addEventListener("online", () => {
    store.setConnection("online");
    void controller.reload();
  });
  if (!navigator.onLine) store.setConnection("offline");
}
