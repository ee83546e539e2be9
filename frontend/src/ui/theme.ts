// Tokyo Night (dark) or Tokyo Night Day: follows the system's prefers-color-scheme until the user picks
// one, which is then remembered in localStorage.
export type Theme = "dark" | "light";
const KEY = "llm-router.theme";
const SYSTEM_LIGHT = "(prefers-color-scheme: light)";

function saved(): Theme | null {
  try {
    const value = localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : null;
  } catch {
    return null;
  }
}

export function loadTheme(): Theme {
  return saved() ?? (window.matchMedia(SYSTEM_LIGHT).matches ? "light" : "dark");
}

/** Shows a theme; `remember` only when the user chose it. Until then a system change is followed. */
export function applyTheme(theme: Theme, remember = false): void {
  document.documentElement.dataset.theme = theme;
  document.querySelector('meta[name="theme-color"]')?.setAttribute("content", theme === "light" ? "#e1e2e7" : "#1a1b26");
  if (!remember) return;
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    /* not remembered when storage is disabled */
  }
}

export function followSystemTheme(): void {
  window.matchMedia(SYSTEM_LIGHT).addEventListener("change", (event) => {
    if (saved() === null) applyTheme(event.matches ? "light" : "dark");
  });
}

export function toggleTheme(): Theme {
  const next: Theme = document.documentElement.dataset.theme === "light" ? "dark" : "light";
  applyTheme(next, true);
  return next;
}
