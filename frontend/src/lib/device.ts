// The device id: kept in localStorage and mirrored in a cookie, so clearing either one keeps it.
export interface CookieJar {
  get(): string;
  set(value: string): void;
}

const KEY = "llm-router.device-id";
const VALID = /^[A-Za-z0-9_-]{1,64}$/;

function readCookie(jar: CookieJar): string | null {
  for (const part of jar.get().split(";")) {
    const [name, value] = part.trim().split("=");
    if (name === KEY && value && VALID.test(value)) return value;
  }
  return null;
}

function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function deviceId(storage: Storage, jar: CookieJar): string {
  let stored: string | null = null;
  try {
    stored = storage.getItem(KEY);
  } catch {
    stored = null; // storage disabled (private mode): the cookie still works
  }
  const id = (stored && VALID.test(stored) ? stored : null) ?? readCookie(jar) ?? newId();
  try {
    storage.setItem(KEY, id);
  } catch {
    /* the cookie below is enough */
  }
  jar.set(`${KEY}=${id}; Max-Age=${60 * 60 * 24 * 400}; Path=/; SameSite=Lax`);
  return id;
}
