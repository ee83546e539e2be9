// Numbers as the status line and details show them.
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function formatCost(cost: number | null | undefined): string {
  if (cost === null || cost === undefined) return "$?";
  if (cost === 0) return "$0";
  if (cost < 0.01) return `$${Number(cost.toPrecision(2))}`; // 2 significant digits of tiny sums
  return `$${cost.toFixed(2)}`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The date formats the chat and the drawer use (one formatter each, made ahead: `prepareDateFormat`). */
export const DATE_FORMATS = {
  time: { hour: "numeric", minute: "2-digit" },
  dayAndTime: { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" },
  weekday: { weekday: "short" },
  day: { day: "numeric", month: "short" },
  dayOfYear: { day: "numeric", month: "short", year: "numeric" },
  /** what `toLocaleString()` shows */
  full: { year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function formatter(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = JSON.stringify(options);
  let format = dateFormats.get(key);
  if (!format) dateFormats.set(key, (format = new Intl.DateTimeFormat(undefined, options)));
  return format;
}

/** A date in the user's locale. One formatter per set of options: `toLocaleString` builds a new one on
 *  every call, and building one costs more than the rest of a message's header (the first one of a page
 *  loads the locale's data: tens of milliseconds on a phone). Without options: as `toLocaleString()`. */
export function formatDate(date: Date, options: Intl.DateTimeFormatOptions = DATE_FORMATS.full): string {
  return formatter(options).format(date);
}

/** Builds the formatter of one of DATE_FORMATS ahead of use (the app does it in idle time, one a task,
 *  while the first conversation is on its way); false when all are made. */
export function prepareDateFormat(): boolean {
  const missing = Object.values(DATE_FORMATS).filter((options) => !dateFormats.has(JSON.stringify(options)));
  if (missing[0]) formatter(missing[0]);
  return missing.length > 1;
}
