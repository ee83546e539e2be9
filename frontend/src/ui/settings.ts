// A small settings panel: theme, provider keys (only ever shown as …last4), password, sign out.
import { ApiError, type Api } from "../lib/api";
import type { AuthStatus, ProviderKey } from "../lib/types";
import { tokensSection, usersSection } from "./admin";
import { dashboardPanel } from "./dashboard";
import { dataSection } from "./data";
import { button, h, type Component } from "./dom";
import { toggleTheme } from "./theme";

/** `layer` registers a screen opened from here (usage, memory, schedules) with the app's history, so Back
 * and Esc close it; it returns the screen's close(). */
export function settingsPanel(
  api: Api,
  auth: AuthStatus | null,
  onClose: () => void,
  layer: (hide: () => void) => () => void,
): Component {
  const keyList = h("ul", { class: "key-list" });
  const message = h("p", { class: "form-note", role: "status" });
  const say = (text: string): void => void (message.textContent = text);
  const fail = (e: unknown): void => say(e instanceof ApiError ? e.message : "request failed");

  const renderKeys = (items: ProviderKey[]): void => {
    keyList.replaceChildren(
      ...items.map((k) =>
        h(
          "li",
          {},
          h("span", {}, `${k.name} · ${k.protocol} · ${k.key_hint ?? "no key"}${k.source === "env" ? " · env" : k.scope === "user" ? " · yours" : ""}`),
          button("test", () => {
            say(`testing ${k.name}…`);
            api.testKey(k.id).then((r) => say(`${k.name}: ${r.ok ? "ok" : "failed"}: ${r.message}`), fail);
          }),
          k.read_only ? null : button("remove", () => void api.deleteKey(k.id).then(loadKeys, fail)),
        ),
      ),
    );
    if (items.length === 0) keyList.append(h("li", { class: "dim" }, "no keys stored"));
  };
  const loadKeys = (): void => void api.keys().then((r) => renderKeys(r.items), fail);

  const name = h("input", { "aria-label": "provider name", placeholder: "name (e.g. openrouter)" });
  const protocol = h("select", { "aria-label": "protocol" }, h("option", { value: "openai" }, "openai"), h("option", { value: "anthropic" }, "anthropic"));
  const baseUrl = h("input", { "aria-label": "base url", placeholder: "base URL (optional)", inputmode: "url" });
  const apiKey = h("input", { "aria-label": "api key", placeholder: "API key", type: "password", autocomplete: "off" });
  const keyForm = h("form", { class: "key-form" }, name, protocol, baseUrl, apiKey, h("button", { type: "submit", class: "btn" }, "add key"));
  keyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { name: name.value.trim(), protocol: protocol.value, api_key: apiKey.value, ...(baseUrl.value ? { base_url: baseUrl.value.trim() } : {}) };
    api.addKey(body).then(() => {
      keyForm.reset();
      say("key saved");
      loadKeys();
    }, fail);
  });

  const current = h("input", { type: "password", "aria-label": "current password", placeholder: "current password", autocomplete: "current-password" });
  const next = h("input", { type: "password", "aria-label": "new password", placeholder: "new password", autocomplete: "new-password" });
  const pwForm = h("form", { class: "pw-form" }, current, next, h("button", { type: "submit", class: "btn" }, "change password"));
  pwForm.addEventListener("submit", (event) => {
    event.preventDefault();
    api.changePassword(current.value, next.value).then(() => {
      pwForm.reset();
      say("password changed");
    }, fail);
  });

  const open = (make: (api: Api, onClose: () => void) => Component): void => {
    let close = (): void => undefined;
    const panel = make(api, () => close());
    el.after(panel.el);
    close = layer(() => panel.dispose());
  };
  const pushSlot = h("div", {});
  void import("./push").then((m) => pushSlot.replaceChildren(m.pushSection(api)));
  const passwordMode = auth?.auth_mode === "password";
  const el = h(
    "section",
    { class: "settings frame", role: "dialog", "aria-label": "settings" },
    h("header", { class: "settings-head" }, h("h2", {}, "┤ settings ├"), button("close", onClose)),
    h(
      "div",
      { class: "row" },
      button("toggle theme", () => void toggleTheme()),
      button("usage", () => open(dashboardPanel)),
      // each a chunk of its own, fetched when opened
      button("memory", () => void import("./memory").then(({ memoryPanel }) => open(memoryPanel))),
      button("schedules", () => void import("./schedules").then(({ schedulesPanel }) => open(schedulesPanel))),
    ),
    h("h3", {}, "provider keys"),
    keyList,
    keyForm,
    dataSection(api),
    pushSlot,
    tokensSection(api, auth?.user?.role === "admin"),
    auth?.user?.role === "admin" && passwordMode ? usersSection(api) : null,
    passwordMode ? h("h3", {}, "password") : null,
    passwordMode ? pwForm : null,
    passwordMode ? button("sign out", () => void api.logout().then(() => location.reload(), fail)) : null,
    message,
  );
  loadKeys();
  return { el, dispose: () => el.remove() };
}
