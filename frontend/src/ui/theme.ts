// Tokyo Night (dark, default) or Tokyo Night Day, remembered in localStorage.
export type Theme = "dark" | "light";
const KEY = "llm-router.theme";

export function loadTheme(): Theme {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(KEY);
  } catch {
    saved = null;
  }
  return saved === "light" ? "light" : "dark";
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  document.querySelector('meta[name="theme-color"]')?.setAttribute("content", theme === "light" ? "#e1e2e7" : "#1a1b26");
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    /* not remembered when storage is disabled */
  }
}

export function toggleTheme(): Theme {
  const next: Theme = document.documentElement.dataset.theme === "light" ? "dark" : "light";
  applyTheme(next);
  return next;
}
