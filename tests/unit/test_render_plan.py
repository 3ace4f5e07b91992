"""Compile-once render plans: spans, groups, overlaps, literal braces."""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path

import numpy as np

from eventgen.core.tokens import TokenSpec
from eventgen.render.chain import apply_chain, compile_text
from eventgen.render.tokens import RenderContext, RenderPlan, make_provider


def spec(number: int, regex: str, rtype: str, replacement: str) -> TokenSpec:
    return TokenSpec(number, re.compile(regex), rtype, replacement)


def plan_for(texts: list[str], specs: list[TokenSpec]) -> RenderPlan:
    providers = [make_provider(s, UTC, Path) for s in specs]
    return RenderPlan(texts, specs, providers)


def ctx(n: int, offset: int = 0) -> RenderContext:
    return RenderContext(n, np.random.default_rng(1), np.full(n, 0.0), offset, lambda: np.ones(n))


def test_group_one_is_replaced_and_every_match_shares_the_value() -> None:
    plan = plan_for(["user=bob again user=bob {literal}"], [spec(0, r"user=(\w+)", "integerid", "7")])
    assert plan.render(np.zeros(3, dtype=int), ctx(3, offset=10)) == [
        "user=17 again user=17 {literal}",
        "user=18 again user=18 {literal}",
        "user=19 again user=19 {literal}",
    ]


def test_overlapping_spans_go_to_the_lower_numbered_token() -> None:
    tokens = [spec(0, r"abc", "static", "X"), spec(1, r"bcd", "static", "Y"), spec(2, r"d", "static", "Z")]
    assert compile_text("abcd", tokens, {}) == ("\uffff\uffff", [0, 2])
    assert plan_for(["abcd"], tokens).render(np.zeros(1, dtype=int), ctx(1)) == ["XZ"]


def test_each_event_uses_its_own_template_and_unused_tokens_are_not_drawn() -> None:
    tokens = [spec(0, "A", "static", "a"), spec(1, "NEVER", "random", "ipv4"), spec(2, "B", "static", "b")]
    plan = plan_for(["A-1", "B-2", "none"], tokens)
    assert plan.used == []  # static values are written into the templates; token 1 is never drawn
    assert plan.render(np.array([2, 0, 1, 0]), ctx(4)) == ["none", "a-1", "b-2", "a-1"]


def test_tokens_chain_a_static_replacement_is_matched_by_a_later_token() -> None:
    tokens = [spec(0, "##a##", "static", "x-##b##"), spec(1, "##b##", "integerid", "42")]
    plan = plan_for(["id=##a## ##b##"], tokens)
    assert plan.chained == set()  # settled at compile time: no per-event chain
    assert plan.render(np.zeros(2, dtype=int), ctx(2)) == ["id=x-42 42", "id=x-43 43"]


def test_tokens_chain_through_drawn_values_only_for_the_texts_that_need_it(tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("k=##n##\n", encoding="utf-8")
    tokens = [
        spec(0, "##key##", "file", str(keys)),
        spec(1, "##n##", "integerid", "7"),
        spec(2, "@ts", "timestamp", "%Y"),
    ]
    plan = plan_for(["a ##key## @ts", "b ##n## @ts"], tokens)
    assert plan.chained == set()  # compiled once per value of token 0 instead: no per-event chain
    assert list(plan.special) == [0]
    assert plan.render(np.array([0, 1, 0, 1]), ctx(4)) == ["a k=7 1970", "b 8 1970", "a k=9 1970", "b 10 1970"]


def test_a_list_token_whose_values_chain_picks_a_template_per_value() -> None:
    tokens = [
        spec(0, "@who", "random", 'list["user=##u##", "anonymous", "svc=##u##-%d"]'),
        spec(1, "##u##", "integerid", "1"),
    ]
    plan = plan_for(["login @who ok"], tokens)
    assert (plan.chained, list(plan.special)) == (set(), [0])
    events = plan.render(np.zeros(40, dtype=int), ctx(40))
    chained = [apply_chain("login @who ok", tokens, [who, str(1 + i)]) for i, who in enumerate(_whos(events))]
    assert events == chained
    assert {e.split()[1].split("=")[0] for e in events} == {"user", "anonymous", "svc"}


def _whos(events: list[str]) -> list[str]:
    """The list value each event took, read back from its text."""
    out = []
    for event in events:
        word = event.split()[1]
        out.append(
            "anonymous" if word == "anonymous" else ("user=##u##" if word.startswith("user=") else "svc=##u##-%d")
        )
    return out


def test_a_later_token_that_rewrites_part_of_a_drawn_value_takes_the_chained_path() -> None:
    tokens = [spec(0, "@ts", "timestamp", "%Y-%m-%d"), spec(1, r"\d{4}", "static", "YYYY")]
    plan = plan_for(["at @ts"], tokens)
    assert plan.chained == {0}
    assert plan.render(np.zeros(1, dtype=int), ctx(1)) == ["at YYYY-01-01"]


def test_a_later_token_matching_across_a_drawn_value_keeps_one_template() -> None:
    """The way published add-ons write tokens: token 1 draws the method, token 2's regex matches across it (the
    method is in its context, not its group) and replaces the path; token 4 likewise across the drawn status. The
    chain is settled at compile time (one template, nothing event by event) and every event is what Splunk's
    token-by-token replacement makes of it."""
    texts = ['1.2.3.4 "GET /a HTTP/1.1" 200 512', '5.6.7.8 "POST /b HTTP/1.1" 404 20']
    tokens = [
        spec(0, r"^\S+", "random", "ipv4"),
        spec(1, r'"(GET|POST) \S+ HTTP', "random", 'list["GET","POST","PUT"]'),
        spec(2, r'"[A-Z]+ (\S+) HTTP', "random", 'list["/x","/y/z"]'),
        spec(3, r'HTTP/1\.1" (\d{3}) \d+', "random", 'list["200","503"]'),
        spec(4, r'HTTP/1\.1" \d{3} (\d+)', "random", "integer[0:65000]"),
    ]
    plan = plan_for(texts, tokens)
    assert plan.chained == set() and plan.special == {}
    context, picks = ctx(400), np.arange(400) % 2
    events = plan.render(picks, context)
    pattern = re.compile(r'(\d+\.\d+\.\d+\.\d+) "(GET|POST|PUT) (/x|/y/z) HTTP/1\.1" (200|503) (\d+)')
    found = [pattern.fullmatch(event) for event in events]
    assert all(found), [e for e, m in zip(events, found, strict=True) if m is None][:3]
    assert {m[2] for m in found if m} == {"GET", "POST", "PUT"} and {m[3] for m in found if m} == {"/x", "/y/z"}
    row = ["9.9.9.9", "PUT", "/y/z", "503", "77"]
    assert apply_chain(texts[0], tokens, row) == '9.9.9.9 "PUT /y/z HTTP/1.1" 503 77'
