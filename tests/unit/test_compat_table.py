"""docs/compatibility.md is generated (tools/compat.py) from what eventgen declares and reads, and from the reasons
declared once in tools/peer_settings.py: it is fresh, its counts are its rows', and a peer setting that nothing
accounts for stops the generator."""

from __future__ import annotations

import re

import pytest

from eventgen.cli.main import parser_for
from eventgen.conf import eventum, eventum_outputs
from eventgen.tools import compat, peer_settings
from eventgen.tools.peer_settings import SPLUNK_SPEC, Status


def test_the_page_is_fresh() -> None:
    text = (compat.ROOT / compat.TARGET).read_text(encoding="utf-8")
    assert text == compat.page(), "docs/compatibility.md is stale: python -m eventgen.tools.compat"


def test_counts_at_the_top_are_the_rows() -> None:
    text = compat.page()
    splunk, eventum_rows = compat.splunk_rows(), compat.eventum_rows()
    assert len(splunk) == sum(len(names) for names in SPLUNK_SPEC.values()) == 105
    for peer, rows in ((compat.SPLUNK, splunk), (compat.EVENTUM, eventum_rows)):
        line = next(line for line in text.splitlines() if line.startswith(f"- **{peer}**"))
        total = int(re.search(r": (\d+) settings", line).group(1))
        counted = {}
        for status in Status:
            found = re.search(rf"(\d+) {re.escape(status.value)}(,|\.$)", line)
            counted[status] = int(found.group(1)) if found else 0
            assert counted[status] == sum(row.verdict.status is status for row in rows), (peer, status)
        assert total == len(rows) == sum(counted.values())
        section = text.split(f"## {peer}")[1].split("\n## ")[0]
        table = [r for r in section.splitlines() if r.startswith("| ") and "`" in r]
        assert len(table) == len(rows)


def test_supported_comes_from_declarations_and_every_other_status_says_why() -> None:
    rows = compat.splunk_rows() + compat.eventum_rows()
    keys = [(row.peer, row.section, row.name) for row in rows]
    assert len(keys) == len(set(keys))
    for row in rows:
        if row.verdict.status is not Status.SUPPORTED:
            assert row.verdict.reason, row
    by_name = {row.name: row.verdict for row in compat.splunk_rows()}
    assert (
        by_name["interval"].status is Status.SUPPORTED and by_name["interval"].reason == "`interval` (Sample stanzas)"
    )
    assert by_name["httpeventServers"].reason == "`httpeventServers` (output `httpevent`)"
    assert by_name["scsEndPoint"].status is Status.NOT_APPLICABLE
    # a Setting wins over a declared refusal: `interval` declared refused changes nothing
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(peer_settings.SPLUNK_DECLARED, "interval", peer_settings.refused("no"))
        assert {r.name: r.verdict for r in compat.splunk_rows()}["interval"].status is Status.SUPPORTED


def test_a_peer_setting_nothing_accounts_for_stops_the_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SPLUNK_SPEC, "sample", (*SPLUNK_SPEC["sample"], "brandNewSetting"))
    with pytest.raises(compat.Undeclared, match="brandNewSetting: no Setting declares it"):
        compat.splunk_rows()
    monkeypatch.setitem(peer_settings.EVENTUM_PARAMS, "input cron", ("expression", "jitter"))
    with pytest.raises(compat.Undeclared, match="input cron jitter: the schema does not take it"):
        compat.eventum_rows()


def test_the_probe_finds_what_the_translation_notes_and_only_that(monkeypatch: pytest.MonkeyPatch) -> None:
    assert compat.not_applied("output stdout", eventum.OUTPUTS["stdout"]) == {}  # separator, encoding: applied
    # connect_timeout, client_cert, client_cert_key, proxy_url: applied since issue 24
    assert compat.not_applied("output opensearch", eventum.OUTPUTS["opensearch"]) == {}
    assert compat.not_applied("output kafka", eventum.OUTPUTS["kafka"]) == {}
    rows = {(r.section, r.name): r.verdict for r in compat.eventum_rows()}
    assert rows[("output opensearch", "client_cert")].status is Status.SUPPORTED
    monkeypatch.setitem(eventum_outputs.NOTED, "opensearch", ("proxy_url",))  # a parameter noted: found, and only it
    assert compat.not_applied("output opensearch", eventum.OUTPUTS["opensearch"]) == {
        "proxy_url": "no equivalent (ignored)"
    }
    assert rows[("output stdout", "stream")].status is Status.SUPPORTED
    assert rows[("output file", "file_mode")].status is Status.SUPPORTED
    assert rows[("output http", "concurrency")].status is Status.SUPPORTED
    assert rows[("output kafka", "sasl_kerberos_domain_name")].status is Status.REFUSED
    assert rows[("eventum.yml generation", "keep_order")].status is Status.SUPPORTED


def test_flags_the_declarations_name_exist() -> None:
    generate = parser_for("generate")
    options = {o for action in generate._actions for o in action.option_strings}
    sub = next(a for a in generate._actions if hasattr(a, "choices") and a.choices and "generate" in a.choices)
    options |= {o for action in sub.choices["generate"]._actions for o in action.option_strings}
    for verdict in peer_settings.EVENTUM_DECLARED.values():
        for flag in re.findall(r"`(--[a-z-]+)`", verdict.reason):
            assert flag in options, flag
