"""Search and open-conversation benchmark on SQLite.

``uv run python benchmarks/search.py [--sizes 100000,1000000]``

For each size it builds a SQLite database through the app's own migrations, bulk-loads synthetic
conversations (Zipf-distributed vocabulary, short user turns, longer assistant answers, one conversation of
10,000 messages), builds the FTS5 index in one pass, then times ``services.search.search`` over a fixed
set of queries, and opening the 10k-message conversation as the web app does it: ``GET
/api/conversations/{id}`` through the real app in-process (``httpx.ASGITransport``: routing, auth,
service, response model, JSON), checking that the page is the newest page of the real active path and
that paging up with ``before`` rebuilds the whole path exactly. Prints a table with the targets and
writes JSON to ``benchmarks/results/``.
``run(sizes)`` is what ``benchmarks/run.py`` calls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _harness import ROOT, percentile

from llm_router.api.app import create_app
from llm_router.api.schemas import ConversationPublic
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.db.migrate import upgrade_database
from llm_router.db.models import OWNER_USER_ID
from llm_router.services.chat.conversations import get_conversation
from llm_router.services.search.search import search

RESULTS = ROOT / "benchmarks" / "results"
SEARCH_P95_TARGET_MS = 50.0
OPEN_TARGET_MS = 100.0
BIG_CONVERSATION_MESSAGES = 10_000
MESSAGES_PER_CONVERSATION = 20
SEARCH_REPEATS = 5
OPEN_REPEATS = 21
FULL_PATH_REPEATS = 5


def _words(text: str) -> list[str]:
    return text.split()


COMMON_WORDS = _words(
    "the to and a of i you it is that in for this with on be not have can but what are as do if so was "
    "my we an or at just like how your about will there from they would some me one all use get here "
    "make need want also which more when then need should could time way code file work run using new"
)
TOPIC_WORDS = _words(
    "python error function database query server deploy docker kubernetes config configuration test "
    "tests async await memory cache index table column request response api token model prompt json "
    "string list dict class method variable loop thread process network latency bug fix install "
    "package version release branch commit merge review sqlite postgres redis nginx linux kernel "
    "recipe bread flour oven travel flight hotel budget invoice garden tomato soil exercise sleep"
)
PHRASES = ("machine learning", "race condition", "unit test", "connection refused", "sourdough starter")


def _vocabulary(rng: random.Random, size: int = 30_000) -> list[str]:
    """Real frequent words first, then made-up words for the long tail, in Zipf rank order."""
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
    words = [*COMMON_WORDS, *TOPIC_WORDS, *PHRASES]
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Corpus:
    """Sentences drawn once from a Zipf vocabulary; messages are a few sentences each."""

    def __init__(self, seed: int = 7, sentences: int = 60_000) -> None:
        rng = random.Random(seed)
        self.vocabulary = _vocabulary(rng)
        weights = [1 / (rank + 1) ** 1.05 for rank in range(len(self.vocabulary))]
        words = rng.choices(self.vocabulary, weights=weights, k=sentences * 12)
        self.sentences = [
            " ".join(words[i : i + rng.randint(6, 12)]).capitalize() + "." for i in range(0, len(words), 12)
        ]
        self.rng = rng

    def message(self, role: str) -> str:
        count = self.rng.randint(1, 2) if role == "user" else self.rng.randint(3, 9)
        return " ".join(self.rng.choices(self.sentences, k=count))

    @property
    def rare_word(self) -> str:
        return self.vocabulary[20_000]


def _queries(corpus: Corpus) -> list[str]:
    return [
        "the",  # in most messages: the worst case for ranking
        "python",
        "docker deploy",
        corpus.rare_word,
        f"{corpus.vocabulary[5_000]} {corpus.vocabulary[300]}",
        '"machine learning"',
        '"race condition" thread',
        '"to the"',
        "conf*",
        "dep*",
        "sourd*",
        "ka*",
    ]


_MESSAGE_SQL = """INSERT INTO messages (id, conversation_id, owner_id, parent_id, role, content,
    reasoning_content, parts, params, status, tokens_in, tokens_out, tokens_reasoning, tokens_cached,
    created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '', '[]', '{}', 'complete', 0, 0, 0, 0, ?, ?)"""
_CONVERSATION_SQL = """INSERT INTO conversations (id, owner_id, title, system_prompt, active_leaf_id,
    message_count, total_cost, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, 0, ?, ?)"""


def _new_id() -> str:
    return os.urandom(16).hex()


def _rows(corpus: Corpus, total: int, big_id: str) -> Iterator[tuple[list[tuple[Any, ...]], tuple[Any, ...]]]:
    """(message rows, conversation row) per conversation; the first one is the 10k-message one."""
    clock = datetime(2025, 1, 1, tzinfo=UTC)
    produced = 0
    first = True
    while produced < total:
        size = min(BIG_CONVERSATION_MESSAGES if first else MESSAGES_PER_CONVERSATION, total - produced)
        conversation_id = big_id if first else _new_id()
        first = False
        messages: list[tuple[Any, ...]] = []
        parent: str | None = None
        for i in range(size):
            role = "user" if i % 2 == 0 else "assistant"
            clock += timedelta(seconds=7)
            stamp = clock.strftime("%Y-%m-%d %H:%M:%S.%f")
            message_id = _new_id()
            messages.append(
                (message_id, conversation_id, OWNER_USER_ID, parent, role, corpus.message(role), stamp, stamp)
            )
            parent = message_id
        title = " ".join(corpus.rng.choices(corpus.vocabulary[:3000], k=4)).capitalize()
        yield messages, (conversation_id, OWNER_USER_ID, title, parent, size, stamp, stamp)
        produced += size


def _bulk_load(path: Path, corpus: Corpus, total: int, big_id: str) -> dict[str, float]:
    """Insert without the FTS triggers, then index everything in one 'rebuild' pass (much faster than
    a trigger per row), then put the migration's own triggers back. Returns seconds per stage."""
    stages: dict[str, float] = {}
    clock = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    # No journal while loading a throw-away file: WAL would write every page twice.
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")  # 1 GB: the random-id indexes stay in memory while loading
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    conn.execute("BEGIN")
    for name, _sql in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    messages: list[tuple[Any, ...]] = []
    conversations: list[tuple[Any, ...]] = []
    for batch, conversation in _rows(corpus, total, big_id):
        conversations.append(conversation)
        messages.extend(batch)
        if len(messages) >= 50_000:
            conn.executemany(_CONVERSATION_SQL, conversations)
            conn.executemany(_MESSAGE_SQL, messages)
            messages, conversations = [], []
    conn.executemany(_CONVERSATION_SQL, conversations)
    conn.executemany(_MESSAGE_SQL, messages)
    stages["insert_s"], clock = time.perf_counter() - clock, time.perf_counter()
    for fts in ("messages_fts", "conversations_fts"):
        # A larger in-memory term buffer means fewer, larger segments to merge afterwards.
        conn.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('hashsize', {64 * 1024 * 1024})")
        conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
    for _name, sql in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode=WAL")  # as the app runs it
    conn.close()
    stages["index_s"] = time.perf_counter() - clock
    return {key: round(value, 1) for key, value in stages.items()}


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade_database(db)
    finally:
        await db.dispose()


def build_database(path: Path, total: int) -> dict[str, Any]:
    started, cpu_started = time.perf_counter(), time.process_time()
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    corpus = Corpus()
    big_id = _new_id()
    stages = _bulk_load(path, corpus, total, big_id)
    return {
        "corpus": corpus,
        "big_conversation_id": big_id,
        "build_s": round(time.perf_counter() - started, 1),
        "build_cpu_s": round(time.process_time() - cpu_started, 1),
        **stages,
        "file_mb": round(path.stat().st_size / 1e6, 1),
    }


def _real_path(path: Path, conversation_id: str) -> list[str]:
    """The active path read with plain sqlite3 (not the app's code): what the pages must add up to."""
    with sqlite3.connect(path) as conn:
        (leaf,) = conn.execute(
            "SELECT active_leaf_id FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        parents = dict(
            conn.execute("SELECT id, parent_id FROM messages WHERE conversation_id = ?", (conversation_id,))
        )
    ids: list[str] = []
    while leaf is not None:
        ids.append(leaf)
        leaf = parents[leaf]
    return ids[::-1]


async def _measure_search(db: Database, queries: list[str]) -> dict[str, Any]:
    per_query: dict[str, list[float]] = {q: [] for q in queries}
    cpu: list[float] = []  # CPU time of this process: what the wall time would be on an idle machine
    hits: dict[str, int] = {}
    for q in queries:  # warm-up: first touch of each index page comes from disk
        hits[q] = len(await search(db, OWNER_USER_ID, q))
    for _ in range(SEARCH_REPEATS):
        for q in queries:
            t0, c0 = time.perf_counter(), time.process_time()
            await search(db, OWNER_USER_ID, q)
            per_query[q].append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    samples = [ms for values in per_query.values() for ms in values]
    return {
        "search_p50_ms": round(percentile(samples, 50), 2),
        "search_p95_ms": round(percentile(samples, 95), 2),
        "search_max_ms": round(max(samples), 2),
        "search_cpu_p95_ms": round(percentile(cpu, 95), 2),
        "queries": {
            q: {"p50_ms": round(percentile(v, 50), 2), "max_ms": round(max(v), 2), "hits": hits[q]}
            for q, v in per_query.items()
        },
    }


async def _timed_get(client: httpx.AsyncClient, url: str) -> tuple[dict[str, Any], float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    response = await client.get(url)
    wall, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data, wall, cpu


async def _measure_open(workdir: Path, db_path: Path, big_id: str) -> dict[str, Any]:
    """Open the big conversation as the web app does (newest page), then page up to the root."""
    real = _real_path(db_path, big_id)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=workdir / "app-data",
        database_url=f"sqlite+aiosqlite:///{db_path}",
        auth="none",
        rate_limit_per_minute=100_000,
    )
    app = create_app(settings)
    url = f"/api/conversations/{big_id}"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            first, _, _ = await _timed_get(client, url)  # warm-up
            opens: list[float] = []
            open_cpu: list[float] = []
            for _ in range(OPEN_REPEATS):
                page, wall, cpu = await _timed_get(client, url)
                opens.append(wall)
                open_cpu.append(cpu)
                assert page == first
            newest = [m["id"] for m in first["messages"]]
            assert newest == real[-len(newest) :], "the first page is not the newest part of the path"
            assert first["path_length"] == len(real)
            assert first["has_earlier"] == (len(real) > len(newest))
            walked, earlier, page = list(newest), [], first
            while page["has_earlier"]:
                page, wall, _ = await _timed_get(client, f"{url}?before={page['messages'][0]['id']}")
                earlier.append(wall)
                walked[:0] = [m["id"] for m in page["messages"]]
            assert walked == real, "paging up did not rebuild the path exactly"
        # For comparison: the whole path in one answer, as the endpoint did before paging (service +
        # response model + JSON, without the HTTP layer).
        full: list[float] = []
        for _ in range(FULL_PATH_REPEATS):
            t0 = time.perf_counter()
            view = await get_conversation(app.state.services.db, OWNER_USER_ID, big_id)
            ConversationPublic.of_view(view).model_dump_json()
            full.append((time.perf_counter() - t0) * 1000)
        assert len(view.path) == len(real)
    return {
        "open_10k_p50_ms": round(percentile(opens, 50), 2),
        "open_10k_max_ms": round(max(opens), 2),
        "open_10k_cpu_p50_ms": round(percentile(open_cpu, 50), 2),
        "open_10k_cpu_max_ms": round(max(open_cpu), 2),  # max far above it: the machine was busy
        "open_10k_page_size": len(newest),
        "open_10k_earlier_page_p50_ms": round(percentile(earlier, 50), 2),
        "open_10k_pages_walked": len(earlier) + 1,
        "open_10k_full_path_p50_ms": round(percentile(full, 50), 2),
    }


def run_size(total: int, workdir: Path) -> dict[str, Any]:
    path = workdir / f"search-{total}.db"
    print(f"… search: building {total:,} messages", file=sys.stderr, flush=True)
    built = build_database(path, total)
    print(f"… search: built in {built['build_s']} s, measuring", file=sys.stderr, flush=True)
    url = f"sqlite+aiosqlite:///{path}"
    measured = asyncio.run(_measure_db(url, _queries(built["corpus"])))
    measured |= asyncio.run(_measure_open(workdir, path, built["big_conversation_id"]))
    build = {key: value for key, value in built.items() if key not in ("corpus", "big_conversation_id")}
    return {"messages": total, **build, **measured}


async def _measure_db(url: str, queries: list[str]) -> dict[str, Any]:
    db = Database(url)
    try:
        return await _measure_search(db, queries)
    finally:
        await db.dispose()


def run(sizes: list[int]) -> dict[str, Any]:
    """Numbers per size; flat ``*_ms`` keys per size for the overall benchmark table."""
    results: dict[str, Any] = {"sizes": {}}
    with tempfile.TemporaryDirectory(prefix="llmr-search-") as tmp:
        for total in sizes:
            numbers = run_size(total, Path(tmp))
            results["sizes"][str(total)] = numbers
            keys = (
                "search_p50_ms",
                "search_p95_ms",
                "search_cpu_p95_ms",
                "open_10k_p50_ms",
                "open_10k_max_ms",
            )
            for key in (*keys, "build_s"):
                results[f"{key}@{total}"] = numbers[key]
            Path(tmp, f"search-{total}.db").unlink()
    results["targets"] = {"search_p95_ms": SEARCH_P95_TARGET_MS, "open_10k_ms": OPEN_TARGET_MS}
    results["machine"] = {
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "sqlite": sqlite3.sqlite_version,
        "python": sys.version.split()[0],
    }
    return results


def print_table(results: dict[str, Any]) -> None:
    header = ("messages", "build s", "search p50", "search p95", "(cpu p95)", "open p50", "open max", "(cpu)")
    print("\n" + "  ".join(f"{h:>10}" for h in header))
    print("-" * 94)
    for total, n in results["sizes"].items():
        cells = (
            f"{int(total):,}",
            n["build_s"],
            n["search_p50_ms"],
            n["search_p95_ms"],
            n["search_cpu_p95_ms"],
            n["open_10k_p50_ms"],
            n["open_10k_max_ms"],
            n["open_10k_cpu_p50_ms"],
        )
        print("  ".join(f"{c:>10}" for c in cells))
    load = results["machine"]["load_average"]
    print(f"(ms; cpu = this process's CPU time, about the wall time on an idle machine; load {load})")
    print(f"targets: search p95 ≤ {SEARCH_P95_TARGET_MS:g} ms at 1M; open 10k ≤ {OPEN_TARGET_MS:g} ms\n")
    for total, n in results["sizes"].items():
        print(
            f"open 10k at {int(total):,}: GET /api/conversations/{{id}} (newest {n['open_10k_page_size']}) "
            f"p50 {n['open_10k_p50_ms']} ms, max {n['open_10k_max_ms']} ms "
            f"(CPU p50 {n['open_10k_cpu_p50_ms']}, max {n['open_10k_cpu_max_ms']}); an earlier page p50 "
            f"{n['open_10k_earlier_page_p50_ms']} ms ({n['open_10k_pages_walked']} pages rebuild the path "
            f"exactly); the whole path in one answer (as before paging) p50 "
            f"{n['open_10k_full_path_p50_ms']} ms"
        )
    print()
    for total, n in results["sizes"].items():
        print(f"per query at {int(total):,} messages (p50 / max ms, hits):")
        for q, v in n["queries"].items():
            print(f"  {q:<32} {v['p50_ms']:>8} {v['max_ms']:>8}  {v['hits']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated message counts")
    parser.add_argument("--output", type=Path, default=RESULTS / "search.json")
    args = parser.parse_args(argv)
    results = run([int(size) for size in args.sizes.split(",")])
    print_table(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2))
    print(f"JSON written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
