"""docs/configuration.md and default/eventgen.conf are generated from the declared settings."""

from eventgen.tools import docgen


def test_generated_docs_match_the_declarations() -> None:
    for rel, render in docgen.TARGETS.items():
        assert (docgen.ROOT / rel).read_text(encoding="utf-8") == render(), (
            f"{rel} is stale: python -m eventgen.tools.docgen"
        )


def test_every_declared_setting_is_documented_once() -> None:
    text = docgen.configuration_md()
    names = [s.name for group in docgen.all_groups() for s in group.settings]
    for name in names:
        assert f"| `{name}` |" in text
    assert len(names) == len(set(names)), "a setting is declared twice"
