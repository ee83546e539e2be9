// Terminal-style sign-in screens: "create admin" on first run, then a login form.
import { ApiError, type Api } from "../lib/api";
import { h } from "./dom";

export function authScreen(api: Api, mode: "setup" | "login", onDone: () => void): HTMLElement {
  const username = h("input", { name: "username", autocomplete: "username", required: true, "aria-label": "username" });
  const password = h("input", {
    name: "password",
    type: "password",
    autocomplete: mode === "setup" ? "new-password" : "current-password",
    required: true,
    minlength: mode === "setup" ? 8 : undefined,
    "aria-label": "password",
  });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const form = h(
    "form",
    { class: "auth frame" },
    h("h1", {}, mode === "setup" ? "┤ create admin ├" : "┤ sign in ├"),
    mode === "setup" ? h("p", { class: "dim" }, "First run: choose the administrator's name and password (8+ characters).") : null,
    h("label", {}, h("span", {}, "user ❯"), username),
    h("label", {}, h("span", {}, "pass ❯"), password),
    error,
    h("button", { type: "submit", class: "btn primary" }, mode === "setup" ? "create & sign in" : "sign in"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const call = mode === "setup" ? api.setup(username.value, password.value) : api.login(username.value, password.value);
    call.then(onDone, (e: unknown) => {
      error.textContent = e instanceof ApiError ? e.message : "sign-in failed";
      error.hidden = false;
    });
  });
  queueMicrotask(() => username.focus());
  return h("div", { class: "auth-screen" }, form);
}
