"""Eventum 2.x template constructs that published projects use: imports from the project folder, a uniform
`weighted_choice(items, None)`, faker and mimesis behind `locale[...]`, and `| random` drawn per event."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from eventgen.core.errors import ConfigErrors
from eventgen.plugin.base import registry
from eventgen.resolve.eventum import load_translated
from tests.unit.jinja_helpers import job


def project(folder: Path, template: str, files: dict[str, str] | None = None) -> Path:
    yml = """
    input:
      - linspace: {start: "2024-01-01T00:00:00Z", end: "+1m", count: 4}
    event:
      template:
        templates:
          - t: {template: templates/t.jinja}
    output:
      - stdout: {}
    """
    for name, text in {"templates/t.jinja": template, **(files or {})}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    path = folder / "generator.yml"
    path.write_text(textwrap.dedent(yml).lstrip("\n"), encoding="utf-8")
    return path


def events(path: Path, count: int = 40, seed: int = 1) -> list[str]:
    sample = load_translated(path, {}, {}, {"timeMode": "sample"}).samples[0]
    generator = registry.get("generator", "jinja")(sample)  # type: ignore[call-arg]
    return list(generator.generate(job(count, seed=seed)).events)


BASE = """
{% macro pair(key, value) %}"{{ key }}": "{{ value }}"{% endmacro %}
"""


def test_imports_resolve_from_the_project_folder_and_from_the_template_folder(tmp_path):
    template = """
    {% from 'templates/_base.json.jinja' import pair %}
    {% import '_base.json.jinja' as base %}
    { {{ pair('a', 1) }}, {{ base.pair('b', 2) }} }
    """
    path = project(tmp_path, template, {"templates/_base.json.jinja": BASE})
    assert events(path, 2) == ['{ "a": "1", "b": "2" }'] * 2


def test_an_import_not_found_names_the_template_file_and_the_import_line(tmp_path):
    template = """
    {# a comment line first #}
    {% from 'templates/_missing.jinja' import pair %}
    {{ pair('a', 1) }}
    """
    path = project(tmp_path, template)
    with pytest.raises(ConfigErrors) as caught:
        load_translated(path, {}, {}, {})
    folder = tmp_path.resolve()
    assert str(caught.value) == (
        f"{path}: [{tmp_path.name}]: {folder}/templates/t.jinja:2: "
        "{% from 'templates/_missing.jinja' import pair %}: template 'templates/_missing.jinja' not found in "
        f"{folder}/templates, {folder}"
    )


def test_weighted_choice_without_weights_is_a_uniform_pick(tmp_path):
    path = project(tmp_path, "{{ module.rand.weighted_choice(['x', 'y', 'z'], None) }}\n")
    picked = events(path, 3000)
    counts = {value: picked.count(value) for value in ("x", "y", "z")}
    assert sum(counts.values()) == 3000
    assert all(850 < n < 1150 for n in counts.values()), counts


def test_random_filter_on_a_literal_list_varies_per_event(tmp_path):
    path = project(tmp_path, "{{ ['a', 'b', 'c', 'd'] | random }}\n")
    picked = events(path, 400)
    assert set(picked) == {"a", "b", "c", "d"}
    assert events(path, 400) == picked  # seeded: the same run twice
    assert events(path, 400, seed=2) != picked


def test_faker_and_mimesis_through_eventums_locale_wrapper(tmp_path):
    template = (
        "{{ module.faker.locale['en_US'].name() }}|{{ module.faker.locale.en_US.ipv4() }}|"
        "{{ module.mimesis.locale['en'].person.email() }}|{{ module.mimesis.enums.Gender.MALE.name }}\n"
    )
    path = project(tmp_path, template)
    rendered = [line.split("|") for line in events(path, 20)]
    assert len({name for name, _, _, _ in rendered}) > 10  # a name per event, not one for all
    assert all(len(name.split()) >= 2 for name, _, _, _ in rendered)
    assert all(len(ip.split(".")) == 4 and all(0 <= int(p) <= 255 for p in ip.split(".")) for _, ip, _, _ in rendered)
    assert all("@" in mail and "." in mail.split("@")[1] for _, _, mail, _ in rendered)
    assert {gender for _, _, _, gender in rendered} == {"MALE"}
    assert events(path, 20) == ["|".join(r) for r in rendered]  # seeded by --seed like everything else


def test_a_template_using_faker_without_the_extra_names_the_extra(tmp_path, monkeypatch):
    path = project(tmp_path, "{{ module.faker.locale['en_US'].name() }}\n")
    monkeypatch.setitem(sys.modules, "faker", None)  # as if the library were not installed
    with pytest.raises(ConfigErrors) as caught:
        load_translated(path, {}, {}, {})
    assert str(caught.value) == (
        f"{path}: [{tmp_path.name}]: {tmp_path.resolve()}/templates/t.jinja: module.faker needs the faker library: "
        "install eventgen's `content` extra (pip install 'eventgen[content]')"
    )
