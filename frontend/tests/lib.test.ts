// Unit tests of the DOM-free code (run by `npm test` with node's test runner; pytest runs `npm test`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { stableLength } from "../src/lib/blocks";
import { completions, COMMANDS, parseCommand, type CommandContext } from "../src/lib/commands";
import { DATE_FORMATS, formatDate, prepareDateFormat } from "../src/lib/format";
import { fuzzyFilter } from "../src/lib/fuzzy";
import { applyDelta, codePointLength, followMessage, parseEventId, SseParser } from "../src/lib/sse";
import type { CatalogModel, Message } from "../src/lib/types";

test("the SSE parser handles events split anywhere, CRLF, comments and multi-line data", () => {
  const parser = new SseParser();
  const wire = ": ping\r\nid: 3:0\r\nevent: delta\r\ndata: {\"text\":\"Hel\"}\r\n\r\nevent: x\ndata: a\ndata: b\n\n";
  const events = [];
  for (const char of wire) events.push(...parser.push(char));
  assert.deepEqual(events, [
    { event: "delta", data: '{"text":"Hel"}', id: "3:0" },
    { event: "x", data: "a\nb", id: null },
  ]);
});

test("applyDelta never duplicates a replayed delta and appends a new one", () => {
  assert.equal(applyDelta("Hello", " world", 11), "Hello world");
  assert.equal(applyDelta("Hello world", " world", 11), "Hello world"); // replay after reconnect
  assert.equal(applyDelta("Hello wor", "world", 11), "Hello world"); // overlap
  assert.equal(applyDelta("Hi", "!", null), "Hi!");
  assert.deepEqual(parseEventId("120:40"), [120, 40]);
  assert.equal(parseEventId("junk"), null);
});

test("offsets count code points like the server: emoji, ZWJ sequences and combining marks", () => {
  const family = "\u{1F469}\u200D\u{1F469}\u200D\u{1F467}"; // 👩‍👩‍👧: 5 code points, 8 UTF-16 units
  assert.equal(codePointLength("😀"), 1);
  assert.equal(codePointLength(family), 5);
  assert.equal(codePointLength("e\u0301"), 2); // é as e + combining acute
  assert.equal(codePointLength("\ud800x"), 2); // a lone surrogate counts once
  // "echo: " then eight emoji one by one, each event id = the server's len() after it
  let text = "";
  const pieces = ["echo: ", ..."😀".repeat(8)];
  let end = 0;
  for (const piece of pieces) {
    end += [...piece].length;
    text = applyDelta(text, piece, end);
  }
  assert.equal(text, "echo: " + "😀".repeat(8));
  assert.equal(applyDelta(text, "😀😀", 14), text); // a replay of the last two emoji changes nothing
  assert.equal(applyDelta("a😀", family, 7), "a😀" + family);
  assert.equal(applyDelta("a😀" + family, "\u200D\u{1F467}", 7), "a😀" + family);
  assert.equal(applyDelta("cafe\u0301", "e\u0301!", 6), "cafe\u0301!"); // overlap ending after a combining mark
});

function sseResponse(body: string): Response {
  return new Response(new Blob([body]).stream(), { headers: { "Content-Type": "text/event-stream" } });
}

test("followMessage resumes with Last-Event-ID from the text shown and reconnects after a drop", async () => {
  const message = { id: "m", status: "streaming", content: "Hello" } as Message;
  const seen: (string | null)[] = [];
  const answers = [
    sseResponse(`event: message\ndata: ${JSON.stringify(message)}\n\nid: 8:0\nevent: delta\ndata: {"text":" wo"}\n\n`),
    sseResponse(`id: 11:0\nevent: delta\ndata: {"text":"rld"}\n\nevent: done\ndata: ${JSON.stringify({ ...message, status: "complete", content: "Hello world" })}\n\n`),
  ];
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    seen.push((init.headers as Record<string, string>)["Last-Event-ID"] ?? null);
    const next = answers.shift();
    if (!next) throw new TypeError("network down");
    return next;
  }) as typeof fetch;
  const texts: string[] = [];
  const states: string[] = [];
  const done = new Promise<Message>((resolve) => {
    followMessage(
      { url: "/s", headers: {}, text: "Hello", reasoning: "", fetchImpl, backoff: async () => undefined },
      {
        onSnapshot: () => undefined,
        onText: (text) => texts.push(text),
        onReasoning: () => undefined,
        onDone: resolve,
        onConnection: (state) => states.push(state),
      },
    );
  });
  const final = await done;
  assert.equal(final.content, "Hello world");
  assert.deepEqual(seen, ["5:0", "8:0"]);
  assert.deepEqual(texts, ["Hello wo", "Hello world"]);
  assert.deepEqual(states, ["live", "reconnecting", "live"]);
});

test("followMessage resumes after emoji with code-point offsets", async () => {
  const seen: (string | null)[] = [];
  const answers = [
    sseResponse(`id: 3:0\nevent: delta\ndata: {"text":"😀😀"}\n\n`),
    sseResponse(`id: 4:0\nevent: delta\ndata: {"text":"😀😀"}\n\nevent: done\ndata: {"id":"m","status":"complete","content":"a😀😀😀"}\n\n`),
  ];
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    seen.push((init.headers as Record<string, string>)["Last-Event-ID"] ?? null);
    const next = answers.shift();
    if (!next) throw new TypeError("network down");
    return next;
  }) as typeof fetch;
  const texts: string[] = [];
  await new Promise<Message>((resolve) => {
    followMessage(
      { url: "/s", headers: {}, text: "a", reasoning: "", fetchImpl, backoff: async () => undefined },
      {
        onSnapshot: () => undefined,
        onText: (text) => texts.push(text),
        onReasoning: () => undefined,
        onDone: resolve,
        onConnection: () => undefined,
      },
    );
  });
  assert.deepEqual(seen, ["1:0", "3:0"]);
  assert.deepEqual(texts, ["a😀😀", "a😀😀😀"]);
});

const models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-6", "ollama/llama3.2"].map(
  (id) => ({ id, provider: "x", model: id, source: id === "gpt-4o" ? "live" : "fallback", is_local: false }) as CatalogModel,
);
const ctx = { models: () => models } as unknown as CommandContext;

test("fuzzy matching prefers prefixes and drops non-matches", () => {
  const hits = fuzzyFilter("gp", models, (m) => m.id).map((h) => h.item.id);
  assert.deepEqual(hits.slice(0, 2).sort(), ["gpt-4o", "gpt-4o-mini"]);
  assert.ok(!hits.includes("claude-sonnet-4-6"));
  assert.deepEqual(fuzzyFilter("llama", models, (m) => m.id).map((h) => h.item.id), ["ollama/llama3.2"]);
});

test("the command table drives completion and parsing", () => {
  assert.equal(completions("/mo", ctx)[0]?.label, "/model");
  const modelHits = completions("/model gp", ctx);
  assert.ok(modelHits.length >= 2 && modelHits.every((c) => c.runs && c.value.startsWith("/model gpt")));
  assert.equal(modelHits.find((c) => c.label === "gpt-4o-mini")?.tag, "fallback");
  assert.equal(modelHits.find((c) => c.label === "gpt-4o")?.tag, undefined);
  assert.deepEqual(
    completions("/reasoning m", ctx).map((c) => c.label),
    ["minimal", "medium"],
  );
  const errors = ["/temp 9", "/temp", "/temp abc", "/reasoning extreme", "/model nope", "/system", "/help me", "/zzz", "/remember", "/remember   "];
  for (const line of errors) assert.ok("error" in parseCommand(line, ctx), line);
  for (const line of ["/temp 0", "/temp 2", "/temp 0.7", "/reasoning none", "/model gpt-4o", "/system be brief", "/new", "/stats", "/remember I use metric units"]) {
    assert.ok("run" in parseCommand(line, ctx), line);
  }
  assert.equal(new Set(COMMANDS.map((c) => c.name)).size, COMMANDS.length);
});

test("the stable prefix ends at the last blank line outside a code fence", () => {
  assert.equal(stableLength("one line"), 0);
  assert.equal(stableLength("para one\n\npara two"), "para one\n\n".length);
  const fenced = "intro\n\n```\ncode\n\nmore code";
  assert.equal(stableLength(fenced), "intro\n\n".length); // the blank line inside the fence does not count
  assert.equal(stableLength(fenced + "\n```\n\nafter"), (fenced + "\n```\n\n").length);
});

test("formatDate reuses one formatter per set of options and reads like toLocaleString", () => {
  const date = new Date(Date.UTC(2026, 11, 5, 1, 7, 9));
  assert.equal(formatDate(date), date.toLocaleString());
  const options: Intl.DateTimeFormatOptions = { hour: "numeric", minute: "2-digit" };
  assert.equal(formatDate(date, options), date.toLocaleString(undefined, options));
  assert.equal(formatDate(new Date(date.getTime() + 60_000), { ...options }), new Date(date.getTime() + 60_000).toLocaleString(undefined, options));
});

test("prepareDateFormat makes the app's date formatters one at a time, then says it is done", () => {
  let calls = 0;
  while (prepareDateFormat()) calls += 1;
  assert.ok(calls < 6);
  assert.equal(prepareDateFormat(), false);
  assert.equal(formatDate(new Date(0), DATE_FORMATS.weekday), new Date(0).toLocaleString(undefined, { weekday: "short" }));
});
