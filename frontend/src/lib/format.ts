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
