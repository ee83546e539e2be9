// The shell: top bar, drawer/pane, chat, composer, status line, offline banner; wires the controller.
import type { Api } from "../lib/api";
import type { Store } from "../lib/store";
import type { AuthStatus } from "../lib/types";
import { ChatView } from "./chat";
import { Composer } from "./composer";
import { Controller, type Prefetched } from "./controller";
import { h, iconButton, loadMedia, type Component } from "./dom";
import { afterPaint } from "./idle";
import { bindShortcuts } from "./keys";
import { closeMenu } from "./menu";
import { Nav } from "./nav";
import { modelPicker, rememberModel } from "./picker";
import { Sidebar } from "./sidebar";
import { statusLine } from "./statusline";
import { toggleTheme } from "./theme";

export function mountApp(root: HTMLElement, api: Api, store: Store, auth: AuthStatus | null, first: Prefetched | null = null): Controller {
  const controller = new Controller(api, store, first);
  const chat = new ChatView(store, controller);
  const composer = new Composer(controller);
  const sidebar = new Sidebar(store, controller);
  // The model picker and the cost breakdown are layers (ui/nav.ts): Back, Esc and their close button take
  // them down, and focus returns to what opened them.
  let picker: Component | null = null;
  const openPicker = (): void => {
    if (!store.modelsInfo) {
      // tapped before the catalog arrived (a slow provider): open it when it does
      const off = store.on("models", () => (off(), openPicker()));
      return;
    }
    if (picker) return;
    let close = (): void => undefined;
    picker = modelPicker(store.modelsInfo, store.params.model, (id) => {
      rememberModel(id);
      close();
      void controller.guard(controller.setModel(id));
    }, () => close(), () => (close(), composer.setText(`/compare ${store.params.model ?? ""} `)));
    root.append(picker.el);
    close = nav.open(() => {
      picker?.dispose();
      picker = null;
    });
  };
  // The cost breakdown: in a lazy chunk.
  let breakdown: Component | null = null;
  const openBreakdown = (): void => {
    const conversation = store.conversation;
    if (breakdown || !conversation) return;
    void import("./breakdown").then(({ breakdownPanel }) => {
      if (breakdown) return;
      let close = (): void => undefined;
      breakdown = breakdownPanel(api, conversation, () => close());
      root.append(breakdown.el);
      close = nav.open(() => {
        breakdown?.dispose();
        breakdown = null;
      });
    });
  };
  const status = statusLine(store, openPicker, api, openBreakdown, () => void controller.guard(controller.toggleMemory()));
  const banner = h("div", { class: "banner", role: "alert", hidden: true }, "offline — reconnecting when the network is back…");
  const scrim = h("div", { class: "scrim", "aria-hidden": "true", onclick: () => setDrawer(false) });
  const nav = new Nav(() => controller.followRoute());
  const title = h("span", { class: "title" }, "llm-router");
  const menu = iconButton("menu", "conversations", () => setDrawer(!root.classList.contains("drawer-open")), {
    class: "btn icon menu",
    "aria-controls": "sidebar",
  });
  let settings: Component | null = null;
  let settingsOpener: Element | null = null;
  const hideSettings = (): void => {
    settings?.dispose();
    settings = null;
    if (settingsOpener instanceof HTMLElement) settingsOpener.focus(); // focus goes back where it was
  };
  // Settings (keys, your data, usage dashboard, admin screens) are a chunk of their own, fetched once the
  // chat is idle: the first screen stays small, and opening settings is instant once it has arrived.
  type SettingsModule = typeof import("./settings");
  let settingsModule: SettingsModule | null = null;
  const loadSettings = (): Promise<SettingsModule> =>
    import("./settings").then((module) => (settingsModule = module));
  const showSettings = ({ settingsPanel }: SettingsModule): void => {
    if (settings) return;
    settings = settingsPanel(api, auth, () => nav.dismiss(hideSettings), (hide) => nav.open(hide));
    root.append(settings.el);
    nav.openLayer(hideSettings);
  };
  const openSettings = (): void => {
    if (settings) return;
    settingsOpener = document.activeElement;
    if (settingsModule) showSettings(settingsModule);
    else void loadSettings().then(showSettings);
  };
  // What the first screen does not need waits until it is shown (it would compete for the network
  // and the main thread with the conversation being opened).
  const later = (): void => {
    afterPaint(() => void loadSettings().catch(() => undefined));
    afterPaint(() => void loadMedia().then((m) => m.mountAttach(composer, controller)).catch(() => undefined));
    afterPaint(() => void controller.library("", "").catch(() => undefined)); // names for /p completion
  };
  const topbar = h(
    "header",
    { class: "topbar" },
    menu,
    title,
    iconButton("theme", "toggle light/dark theme", () => void toggleTheme()),
    iconButton("settings", "settings", openSettings),
  );
  const hideDrawer = (): void => {
    root.classList.remove("drawer-open");
    menu.setAttribute("aria-expanded", "false");
    // focus never stays in a closed drawer: the chat takes it (a phone keyboard stays down)
    if (menu.offsetParent !== null && sidebar.el.contains(document.activeElement)) chat.el.focus({ preventScroll: true });
  };
  const setDrawer = (open: boolean): void => {
    const isOpen = root.classList.contains("drawer-open");
    if (open && !isOpen) {
      root.classList.add("drawer-open");
      menu.setAttribute("aria-expanded", "true");
      if (menu.offsetParent !== null) nav.openLayer(hideDrawer); // a drawer only on phones
    } else if (!open && isOpen) {
      nav.dismiss(hideDrawer);
    }
  };

  composer.on("submit", (text) => void controller.submit(text));
  const streaming = () => store.conversation?.messages.find((m) => m.status === "pending" || m.status === "streaming");
  composer.on("stop", () => {
    const message = streaming();
    if (message) controller.cancel(message);
  });
  const syncBusy = (): void => composer.setBusy(streaming() !== undefined);
  store.on("conversation", syncBusy);
  store.on("message", syncBusy);
  store.on("page", syncBusy);
  controller.shell = {
    chat,
    composer,
    runSearch: (q) => sidebar.runSearch(q),
    closeDrawer: () => setDrawer(false),
    openDrawer: () => setDrawer(true),
    go: (url) => nav.go(url),
    openPicker,
    layer: (hide) => nav.open(hide),
  };
  const showTitle = (): void => void (title.textContent = store.conversation?.title || "llm-router");
  store.on("conversation", showTitle);
  store.on("list", showTitle);
  store.on("connection", (state) => (banner.hidden = state !== "offline"));

  root.replaceChildren(
    sidebar.el,
    scrim,
    h("div", { class: "main" }, topbar, banner, chat.el, h("div", { class: "dock" }, chat.jump, composer.el, status.el)),
  );
  watchNetwork(store, controller);
  // Esc closes the top layer (drawer, settings, picker) unless a popup inside it took the key.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    if (closeMenu() || nav.closeTop()) event.preventDefault();
  });
  bindShortcuts({
    newChat: () => void controller.newConversation(),
    search: () => {
      setDrawer(true);
      sidebar.focusSearch();
    },
    focusComposer: () => composer.input.focus(),
    modelPicker: openPicker,
  });
  void controller.start().then(() => {
    // the composer takes focus on load, unless the user already went somewhere (a quick tap on the
    // model picker while the app was still loading kept losing its search field to the composer)
    const idle = document.activeElement === null || document.activeElement === document.body;
    if (idle && nav.depth === 0) composer.input.focus();
    later();
  });
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
