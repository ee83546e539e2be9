// Installable app: the service worker (app shell only, see frontend/sw.js), the offline screen, and a
// prompt when a new version has been served.
import "./styles/pwa.css";

/** Registers the service worker; when a new one is waiting, offers to reload into it. */
export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator)) return;
  void navigator.serviceWorker.register("/sw.js").then((registration) => {
    const offer = (worker: ServiceWorker | null): void => {
      if (worker && navigator.serviceWorker.controller) document.body.append(updatePrompt(worker));
    };
    offer(registration.waiting);
    // a page left open for days (an installed app) looks for a new version whenever it comes back
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") void registration.update().catch(() => undefined);
    });
    registration.addEventListener("updatefound", () => {
      const incoming = registration.installing;
      incoming?.addEventListener("statechange", () => {
        if (incoming.state === "installed") offer(incoming);
      });
    });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!reloading && document.querySelector(".update-prompt")) {
      reloading = true;
      location.reload();
    }
  });
}

function updatePrompt(worker: ServiceWorker): HTMLElement {
  const bar = document.createElement("div");
  bar.className = "update-prompt";
  bar.setAttribute("role", "status");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "new version — reload";
  button.addEventListener("click", () => worker.postMessage("skip-waiting"));
  bar.append(button);
  return bar;
}

/** Shown instead of the app when the device is offline: nothing of the user's is stored to show. */
export function offlineScreen(): HTMLElement {
  const screen = document.createElement("main");
  screen.className = "offline-screen";
  const text = document.createElement("pre");
  text.textContent = "offline.\nllm-router needs the server to show your conversations.";
  const retry = document.createElement("button");
  retry.type = "button";
  retry.textContent = "retry";
  retry.addEventListener("click", () => location.reload());
  screen.append(text, retry);
  window.addEventListener("online", () => location.reload(), { once: true });
  return screen;
}
