// The service worker caches the app shell only: the page, its hashed assets, the icon and the manifest.
// Never an API response or anything behind a login (/api, /v1, /docs, /metrics…): after sign-out an
// offline reload shows the offline screen, no conversation data.
// The build writes its version here (build/service-worker.ts): every new build is a new service worker,
// which the open pages offer to reload into (src/pwa.ts), and the old build's cache is dropped.
const CACHE = "llm-router-shell-__BUILD_VERSION__";
const SHELL = ["/", "/manifest.webmanifest", "/icon.svg", "/icon-192.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))),
  );
});

// The page asks for this when the user accepts the update prompt.
self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

function isShell(url) {
  return url.origin === self.location.origin && (SHELL.includes(url.pathname) || url.pathname.startsWith("/assets/"));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (request.mode === "navigate" && url.origin === self.location.origin) {
    // The page: from the network when online (a new build shows at once), the cached shell offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && url.pathname === "/") {
            const copy = response.clone();
            void caches.open(CACHE).then((cache) => cache.put("/", copy));
          }
          return response;
        })
        .catch(() => caches.match("/").then((cached) => cached ?? Response.error())),
    );
    return;
  }
  if (!isShell(url)) return; // API calls and everything else: straight to the network, never cached
  event.respondWith(
    caches.match(request).then(
      (cached) =>
        cached ??
        fetch(request).then((response) => {
          if (response.ok) {
            const copy = response.clone();
            void caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        }),
    ),
  );
});

// Web Push (opt-in per device in Settings): the server sends {title, body, url, tag} when an answer
// finishes or fails while no page watches its conversation. A focused window already showing that
// conversation needs no notice (another worker process may not have known it was watched).
function sameOriginUrl(value) {
  try {
    const url = new URL(value || "/", self.location.origin);
    return url.origin === self.location.origin ? url.href : `${self.location.origin}/`;
  } catch {
    return `${self.location.origin}/`;
  }
}

async function showNotice(data) {
  const url = sameOriginUrl(data.url);
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  if (windows.some((w) => w.focused && w.url === url)) return;
  await self.registration.showNotification(data.title || "llm-router", {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: "/icon-192.png",
    badge: "/icon-192.png",
    data: { url },
  });
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(showNotice(data));
});

// Tapping the notice: an open window of the app goes to the conversation and comes forward, else a new
// window opens on it.
async function openConversation(url) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
  if (!open) return self.clients.openWindow(url);
  const shown = open.url === url ? open : ((await open.navigate(url).catch(() => null)) ?? open);
  return shown.focus().catch(() => shown);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openConversation(sameOriginUrl(event.notification.data && event.notification.data.url)));
});
