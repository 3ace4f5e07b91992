"""Eventum's kafka `max_request_size` below librdkafka's least (1000) is enforced as Eventum does: a larger record
fails, the others arrive (checked against a real broker)."""

from __future__ import annotations

import json
import textwrap

from tests.conftest import cli


def test_kafka_max_request_size_below_1024_fails_the_larger_records(tmp_path, tansu):
    tansu.create_topic("small")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.jinja").write_text(
        '{"n": {{ locals.incr("n") }}, "pad": "{{ "x" * (950 if locals.get("n") % 2 == 0 else 10) }}"}\n'
    )
    yml = f"""
    input:
      - linspace: {{start: "2024-01-01T00:00:00Z", end: "+1m", count: 6}}
    event:
      template:
        templates:
          - t: {{template: templates/t.jinja}}
    output:
      - kafka: {{bootstrap_servers: ["{tansu.bootstrap}"], topic: small, max_request_size: 900}}
    """
    path = tmp_path / "generator.yml"
    path.write_text(textwrap.dedent(yml).lstrip("\n"))
    result = cli(str(path), "--sample-mode", "--stats-json", str(tmp_path / "s.json"))
    assert result.returncode == 1  # some events failed
    row = json.loads((tmp_path / "s.json").read_text())["rows"][0]
    assert (row["generated"], row["sent"], row["failed"]) == (6, 3, 3)
    assert "larger than kafkaMaxRequestSize (900 bytes)" in result.stderr
    records = tansu.read("small", 3)
    assert sorted(json.loads(r.value)["n"] for r in records) == [1, 3, 5]
