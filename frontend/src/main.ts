// Entry: device id, theme, keyboard-safe viewport, sign-in gate, then the app.
import "./styles/main.css";
import { Api, ApiError } from "./lib/api";
import { deviceId } from "./lib/device";
import { Store } from "./lib/store";
import { offlineScreen, registerServiceWorker } from "./pwa";
import type { AuthStatus } from "./lib/types";
import { mountApp } from "./ui/app";
import { authScreen } from "./ui/auth";
import { conversationFromHash, type Prefetched } from "./ui/controller";
import { prepareMessages } from "./ui/markdown";
import { applyTheme, followSystemTheme, loadTheme } from "./ui/theme";

const cookies = {
  get: () => document.cookie,
  set: (value: string) => void (document.cookie = value),
};

/** Keeps the layout inside the visual viewport so the input stays above the on-screen keyboard. */
function trackViewport(): void {
  const viewport = window.visualViewport;
  if (!viewport) return;
  const sync = (): void => document.documentElement.style.setProperty("--vvh", `${viewport.height}px`);
  viewport.addEventListener("resize", sync);
  sync();
}

async function authStatus(api: Api): Promise<AuthStatus | null> {
  try {
    return await api.authStatus();
  } catch (error) {
    // Before the auth endpoints exist (or in single-user mode) the app simply opens.
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

async function boot(): Promise<void> {
  applyTheme(loadTheme());
  followSystemTheme();
  trackViewport();
  const root = document.getElementById("app")!;
  registerServiceWorker();
  if (!navigator.onLine) {
    root.replaceChildren(offlineScreen());
    return;
  }
  const api = new Api(deviceId(localStorage, cookies));
  const first = prefetch(api);
  const auth = await authStatus(api).catch(() => null);
  if (auth && auth.auth_mode === "password" && !auth.user) {
    root.replaceChildren(authScreen(api, auth.needs_setup ? "setup" : "login", () => location.reload()));
    return;
  }
  mountApp(root, api, new Store(), auth, first);
}

/** The conversation in the address and the renderer chunk are what the first screen waits for: both are
 *  asked for now, alongside the sign-in check, instead of one after the other behind it. (Signed out,
 *  the answer is a 401 nobody reads.) */
function prefetch(api: Api): Prefetched | null {
  const id = conversationFromHash();
  if (!id) return null;
  void prepareMessages().catch(() => undefined);
  const conversation = api.getConversation(id);
  conversation.catch(() => undefined); // handled where it is used; not an unhandled rejection meanwhile
  return { id, conversation };
}

void boot();
