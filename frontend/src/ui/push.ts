// "Notifications" in Settings (loaded lazily with it): opt this device in or out of Web Push. On, the
// server pushes a notice when an answer finishes or fails while the app is closed; tapping it opens the
// conversation (frontend/sw.js). The server holds one subscription per device; signing out deletes it.
import { ApiError, type Api } from "../lib/api";
import { h } from "./dom";

interface ServerSubscription {
  endpoint: string;
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function unsupported(): string | null {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    // iOS/iPadOS offer push only to the app added to the home screen
    return "this browser cannot receive push notifications here (on iPhone: add the app to the home screen first)";
  }
  if (!window.isSecureContext) return "push notifications need HTTPS (or localhost)";
  return null;
}

async function serverHas(api: Api, endpoint: string): Promise<boolean> {
  const list = await api.request<{ items: ServerSubscription[] }>("GET", "/api/push/subscriptions");
  return list.items.some((item) => item.endpoint === endpoint);
}

async function turnOn(api: Api): Promise<void> {
  if ((await Notification.requestPermission()) !== "granted") {
    throw new Error("notifications are blocked for this site: allow them in the browser's site settings");
  }
  const { public_key } = await api.request<{ public_key: string }>("GET", "/api/push/key");
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && subscription.options.applicationServerKey) {
    const current = new Uint8Array(subscription.options.applicationServerKey);
    if (current.join() !== keyBytes(public_key).join()) {
      await subscription.unsubscribe(); // made for another server key: no longer valid
      subscription = null;
    }
  }
  subscription ??= await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(public_key),
  });
  await api.request("POST", "/api/push/subscriptions", subscription.toJSON());
}

async function turnOff(api: Api): Promise<void> {
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.getSubscription();
  if (!subscription) return;
  await api.request("DELETE", "/api/push/subscriptions", { endpoint: subscription.endpoint });
  await subscription.unsubscribe();
}

export function pushSection(api: Api): HTMLElement {
  const status = h("p", { class: "form-note push-status", "aria-live": "polite" });
  const toggle = h("button", { type: "button", class: "btn", role: "switch", "aria-checked": "false", disabled: true }, "…");
  const show = (on: boolean): void => {
    toggle.setAttribute("aria-checked", String(on));
    toggle.textContent = on ? "push on this device: on" : "push on this device: off";
    toggle.disabled = false;
  };
  const fail = (error: unknown): void => {
    status.textContent = error instanceof ApiError || error instanceof Error ? error.message : "push failed";
  };
  const refresh = async (): Promise<void> => {
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.getSubscription();
    show(subscription !== null && (await serverHas(api, subscription.endpoint)));
  };
  const reason = unsupported();
  if (reason) {
    status.textContent = reason;
  } else {
    refresh().catch(fail);
    toggle.addEventListener("click", () => {
      const on = toggle.getAttribute("aria-checked") === "true";
      toggle.disabled = true;
      status.textContent = on ? "turning push off…" : "turning push on…";
      (on ? turnOff(api) : turnOn(api))
        .then(() => void (status.textContent = on ? "this device gets no notifications" : "this device is notified when an answer is ready"))
        .catch(fail)
        .finally(() => void refresh().catch(fail));
    });
  }
  return h(
    "div",
    { class: "push-section" },
    h("h3", {}, "notifications"),
    h("p", { class: "dim" }, "a notice on this device when an answer finishes or fails while the app is closed"),
    reason ? null : toggle,
    status,
  );
}
