"""Which jinja samples must keep every job on one generator instance."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventgen.plugin.base import registry
from eventgen.resolve.loader import load
from tests.conftest import write_conf


@pytest.mark.parametrize(
    ("template", "mode", "stateful"),
    [
        ('{"n": {{ rand.number.integer(1, 9) }}}', "all", False),
        ("{% do locals.set('n', 1) %}x", "all", True),
        ("{{ shared.get('n') }}", "any", True),
        ("{{ globals.get('n') }}", "all", True),
        ("plain", "spin", True),
    ],
)
def test_jinja_statefulness(tmp_path: Path, template: str, mode: str, stateful: bool) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.j2").write_text(template)
    templates = '{"t": {"template": "t.j2"}}'
    write_conf(tmp_path, f"[s]\ngenerator = jinja\njinjaMode = {mode}\njinjaTemplates = {templates}\n")
    sample = load(tmp_path / "eventgen.conf").samples[0]
    assert registry.get("generator", "jinja").is_stateful(sample) is stateful


def test_default_generator_is_stateless() -> None:
    root = Path(__file__).resolve().parents[2]
    sample = load(root / "samples" / "weblog.conf").samples[0]
    assert registry.get("generator", "default").is_stateful(sample) is False
