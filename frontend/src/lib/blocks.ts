// Where a growing markdown text can be cut so the part before never changes its rendering.

/** Length of the prefix made of complete blocks: up to the last blank line outside a code fence. */
export function stableLength(text: string): number {
  let end = 0;
  let inFence = false;
  let offset = 0;
  for (const line of text.split("\n")) {
    const next = offset + line.length + 1;
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    else if (!inFence && line.trim() === "" && next <= text.length) end = next;
    offset = next;
  }
  return end;
}
