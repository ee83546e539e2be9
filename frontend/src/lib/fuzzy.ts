// A small subsequence matcher for the completion popup: contiguous and word-start hits score higher.
export interface FuzzyHit<T> {
  item: T;
  score: number;
  positions: number[];
}

export function fuzzyScore(query: string, text: string): { score: number; positions: number[] } | null {
  const q = query.toLowerCase();
  const t = text.toLowerCase();
  if (q === "") return { score: 0, positions: [] };
  const positions: number[] = [];
  let score = 0;
  let from = 0;
  for (const char of q) {
    const at = t.indexOf(char, from);
    if (at < 0) return null;
    const previous = positions[positions.length - 1];
    if (previous !== undefined && at === previous + 1) score += 5;
    if (at === 0 || /[\s/_.:-]/.test(t[at - 1] ?? "")) score += 3;
    score -= Math.min(at - from, 10) * 0.1;
    positions.push(at);
    from = at + 1;
  }
  if (t.startsWith(q)) score += 10;
  score -= t.length * 0.01; // prefer shorter names when otherwise equal
  return { score, positions };
}

export function fuzzyFilter<T>(query: string, items: readonly T[], key: (item: T) => string): FuzzyHit<T>[] {
  const hits: FuzzyHit<T>[] = [];
  for (const item of items) {
    const match = fuzzyScore(query, key(item));
    if (match) hits.push({ item, ...match });
  }
  return hits.sort((a, b) => b.score - a.score);
}
