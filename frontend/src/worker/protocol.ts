// Messages between the page (ui/enhance.ts) and the enhance worker (worker/enhance.ts).
export type EnhanceRequest =
  | { id: number; kind: "code"; lang: string; text: string }
  | { id: number; kind: "math"; text: string; display: boolean };

/** `html` null: nothing to change (a language not offered, a formula KaTeX cannot parse, a failure). */
export interface EnhanceResult {
  id: number;
  html: string | null;
}
