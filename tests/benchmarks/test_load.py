"""benchmarks/load.py: bounded, loopback-only load, and its report section."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Dict, List

import pytest
from aiohttp import web

from benchmarks.load import LoadResult, NotLoopback, drive, require_loopback, rss_kib
from benchmarks.load_report import HEADING, write_section

INFO: Dict[str, object] = {
    "when": "now",
    "cpu": "cpu",
    "cores": 2,
    "memory": "1 GiB",
    "loadavg": "0.1",
    "busy": [],
}


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:5005", "http://127.8.9.10:1/", "http://[::1]:80", "http://localhost:9"],
)
def test_loopback_targets_are_accepted(url: str) -> None:
    assert require_loopback(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.5:5005", "http://192.168.1.2", "http://8.8.8.8", "ftp://127.0.0.1", "nonsense"],
)
def test_other_targets_are_refused(url: str) -> None:
    with pytest.raises(NotLoopback):
        require_loopback(url)


def test_rss_of_this_process_and_of_a_missing_one() -> None:
    assert (rss_kib(os.getpid()) or 0) > 1000
    assert rss_kib(2**22 + 12345) is None


def test_percentiles_and_throughput() -> None:
    result = LoadResult("x", 1, 1, 1, latencies_ms=[float(i) for i in range(1, 101)], seconds=4)
    assert (result.percentile(50), result.percentile(95), result.percentile(99)) == (
        pytest.approx(50.5),
        pytest.approx(95.05),
        pytest.approx(99.01),
    )
    assert result.throughput == 25.0


def _fake_bot(fail_every: int) -> web.Application:
    seen: Dict[str, int] = {"n": 0}

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        seen["n"] += 1
        if fail_every and seen["n"] % fail_every == 0:
            return web.json_response({"error": "boom"}, status=500)
        if body["message"] == "thanks!":
            return web.json_response([])  # no reply counts as an error
        return web.json_response([{"recipient_id": body["sender"], "text": "ok"}])

    app = web.Application()
    app.router.add_post("/webhooks/website/webhook", webhook)
    return app


def _run_against_fake(fail_every: int, **kwargs: Any) -> LoadResult:
    async def run() -> LoadResult:
        runner = web.AppRunner(_fake_bot(fail_every))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            return await drive(f"http://127.0.0.1:{port}", label="fake", warmup=0, **kwargs)
        finally:
            await runner.cleanup()

    return asyncio.run(run())


def test_drive_counts_turns_errors_and_bounds_the_run() -> None:
    result = _run_against_fake(
        0, conversations=6, concurrency=3, turns=4, pids={"rasa": os.getpid(), "web": 1}
    )
    assert result.turns == 24 and result.errors == 0 and result.throughput > 0
    assert list(result.rss_mib) == ["rasa"] and set(result.cpu_s) == {"rasa", "web"}
    # the fifth message of the flow ("thanks!") gets no reply: an error
    five = _run_against_fake(0, conversations=2, concurrency=2, turns=5)
    assert five.errors == 2
    failing = _run_against_fake(3, conversations=3, concurrency=1, turns=3)
    assert failing.errors == 3 and any("HTTP 500" in s for s in failing.error_samples)
    capped = _run_against_fake(0, conversations=1, concurrency=1, turns=10_000)
    assert capped.turns == 20  # MAX_TURNS


def test_the_load_section_replaces_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(
        "# Benchmarks\n\n## NLU\n\nkeep me\n\n## Load\n\nold numbers\n\n## Other\n\nme too\n"
    )
    result = LoadResult("embedded", 10, 5, 5, latencies_ms=[10.0, 20.0, 30.0], seconds=1.0)
    bare = LoadResult("bare rasa init", 10, 4, 5, latencies_ms=[50.0, 60.0], seconds=1.0)
    write_section(path, "cmd", {"embedded": result, "bare": bare}, INFO, INFO)
    text = path.read_text()
    assert "keep me" in text and "me too" in text and "old numbers" not in text
    assert text.count(HEADING) == 1 and "| embedded | 3 | 3.0 |" in text and "1.50x" in text
    lines: List[str] = text.splitlines()
    assert lines.index("## NLU") < lines.index(HEADING) < lines.index("## Other")


def test_a_paced_run_offers_the_rate_it_is_given() -> None:
    import time

    started = time.perf_counter()
    result = _run_against_fake(0, conversations=6, concurrency=3, turns=4, rate=30.0)
    elapsed = time.perf_counter() - started
    # each conversation sends a turn every 3 / 30 = 0.1 s: 4 turns take >= 0.3 s
    assert result.turns == 24 and result.errors == 0
    assert elapsed >= 0.6  # two waves of conversations
    assert result.throughput <= 30.0 * 1.3
    assert result.summary()["offered_turns_per_s"] == 30.0
    back_to_back = _run_against_fake(0, conversations=6, concurrency=3, turns=4)
    assert back_to_back.throughput > result.throughput


def test_the_paced_table_and_figure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import load_report

    figure = tmp_path / "figures" / "load_latency.png"
    monkeypatch.setattr(load_report, "FIGURE", figure)
    path = tmp_path / "BENCHMARKS.md"
    closed = LoadResult("embedded", 10, 5, 5, latencies_ms=[10.0, 20.0], seconds=1.0)
    paced = {
        "embedded": [
            LoadResult("embedded", 10, 5, 5, [5.0, 7.0], seconds=1.0, offered_rate=20.0),
            LoadResult("embedded", 10, 5, 5, [9.0, 30.0], seconds=1.0, offered_rate=40.0),
        ]
    }
    write_section(path, "cmd", {"embedded": closed}, INFO, INFO, paced)
    text = path.read_text()
    assert "### Latency at a paced load" in text
    assert "| embedded | 20 | 2.0 |" in text and "| embedded | 40 | 2.0 |" in text
    assert figure.exists() and figure.stat().st_size > 1000
