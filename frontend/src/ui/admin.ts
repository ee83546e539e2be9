// Settings → API tokens (everyone's own: create with a name, shown once; revoke; last used) and, for
// admins, users (create, role, disable, reset password) and a daily budget per new token.
import { ApiError, type Api } from "../lib/api";
import { button, h } from "./dom";

interface Token {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  expires_at: string | null;
}
interface UserRow {
  id: string;
  username: string;
  role: "admin" | "user";
  disabled: boolean;
}

const when = (stamp: string | null): string => (stamp ? stamp.slice(0, 16).replace("T", " ") : "never");

function note(): { el: HTMLParagraphElement; say(text: string): void; fail(e: unknown): void } {
  const el = h("p", { class: "form-note", "aria-live": "polite" });
  return {
    el,
    say: (text) => void (el.textContent = text),
    fail: (e) => void (el.textContent = e instanceof ApiError ? e.message : "request failed"),
  };
}

export function tokensSection(api: Api, isAdmin: boolean): HTMLElement {
  const status = note();
  const list = h("ul", { class: "token-list" });
  const shown = h("div", { class: "token-shown", hidden: "" });
  const load = (): void =>
    void api.request<{ items: Token[] }>("GET", "/api/tokens").then((r) => {
      list.replaceChildren(
        ...r.items.map((t) =>
          h(
            "li",
            {},
            h("span", {}, `${t.name || "unnamed"} · ${t.prefix}… · last used ${when(t.last_used_at)}${t.expires_at ? ` · expires ${when(t.expires_at)}` : ""}${t.revoked_at ? " · revoked" : ""}`),
            t.revoked_at ? null : button("revoke", () => void api.request("DELETE", `/api/tokens/${t.id}`).then(load, status.fail)),
          ),
        ),
      );
      if (r.items.length === 0) list.append(h("li", { class: "dim" }, "no API tokens"));
    }, status.fail);
  const name = h("input", { "aria-label": "token name", placeholder: "token name (e.g. laptop scripts)" });
  const budget = h("input", { "aria-label": "token daily budget", placeholder: "daily $ limit (optional)", inputmode: "decimal" });
  const expiry = h("select", { "aria-label": "token expiry" }, ...[["", "never expires"], ["7", "expires in 7 days"], ["30", "expires in 30 days"], ["90", "expires in 90 days"], ["365", "expires in a year"]].map(([value, label]) => h("option", { value }, label)));
  const form = h("form", { class: "key-form" }, name, expiry, isAdmin ? budget : null, h("button", { type: "submit", class: "btn" }, "create token"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const days = expiry.value ? { expires_in_days: Number(expiry.value) } : {};
    api.request<Token & { token: string }>("POST", "/api/tokens", { name: name.value.trim(), ...days }).then(async (created) => {
      const daily = Number(budget.value);
      if (isAdmin && budget.value.trim() && Number.isFinite(daily)) {
        await api.request("PUT", `/api/admin/tokens/${created.id}/budget`, { daily_usd: daily });
      }
      shown.hidden = false;
      shown.replaceChildren(h("span", {}, "copy it now, it is shown once: "), h("code", { class: "token-value" }, created.token));
      form.reset();
      status.say("token created");
      load();
    }, status.fail);
  });
  load();
  return h("div", { class: "tokens-section" }, h("h3", {}, "API tokens"), list, form, shown, status.el);
}

export function usersSection(api: Api): HTMLElement {
  const status = note();
  const list = h("ul", { class: "user-list" });
  const patch = (id: string, body: object, done: string): void =>
    void api.request("PATCH", `/api/admin/users/${id}`, body).then(() => (status.say(done), load()), status.fail);
  const row = (u: UserRow): HTMLElement => {
    const role = h("select", { "aria-label": `role of ${u.username}` }, h("option", { value: "user", selected: u.role === "user" }, "user"), h("option", { value: "admin", selected: u.role === "admin" }, "admin"));
    role.addEventListener("change", () => patch(u.id, { role: role.value }, `${u.username} is now ${role.value}`));
    const password = h("input", { type: "password", "aria-label": `new password for ${u.username}`, placeholder: "new password", autocomplete: "new-password" });
    return h(
      "li",
      { "data-user": u.username },
      h("span", {}, `${u.username}${u.disabled ? " · disabled" : ""}`),
      role,
      button(u.disabled ? "enable" : "disable", () => patch(u.id, { disabled: !u.disabled }, `${u.username} ${u.disabled ? "enabled" : "disabled"}`)),
      password,
      button("reset password", () => password.value && patch(u.id, { password: password.value }, `password of ${u.username} reset`)),
    );
  };
  const load = (): void =>
    void api.request<{ items: UserRow[] }>("GET", "/api/admin/users").then((r) => list.replaceChildren(...r.items.map(row)), status.fail);
  const username = h("input", { "aria-label": "new username", placeholder: "username", autocomplete: "off" });
  const password = h("input", { type: "password", "aria-label": "new user's password", placeholder: "password", autocomplete: "new-password" });
  const role = h("select", { "aria-label": "new user's role" }, h("option", { value: "user" }, "user"), h("option", { value: "admin" }, "admin"));
  const form = h("form", { class: "key-form" }, username, password, role, h("button", { type: "submit", class: "btn" }, "create user"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { username: username.value.trim(), password: password.value, role: role.value };
    api.request("POST", "/api/admin/users", body).then(() => (form.reset(), status.say(`user ${body.username} created`), load()), status.fail);
  });
  load();
  return h("div", { class: "users-section" }, h("h3", {}, "users"), list, form, status.el);
}
