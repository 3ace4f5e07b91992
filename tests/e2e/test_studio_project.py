"""`eventgen studio generator.yml`: the real studio on an Eventum project, driven through its HTTP API (and once
in Chromium): the translated config, exact previews, per-bin histogram counts of a two-input project, the
debugger's state, unsaved and saved edits of the YAML, `--params`, and settings that are never written back."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.studio import Api, bar_counts, chromium_page, require_browser, running_studio, shot

pytestmark = pytest.mark.e2e

# two inputs, one sample: a timer (2 events a minute, three times) and two explicit times, merged in time order
PROJECT = """
# a two-input Eventum project for the studio's tests
input:
  - timer:
      start: "2024-01-01T00:00:00Z"
      seconds: 60
      count: 2
      repeat: 3
      tags: [a]
  - timestamps:
      source: ["2024-01-01T00:00:30Z", "2024-01-01T00:02:10Z"]
      tags: [b]
event:
  template:
    params:
      who: ${params.who}
    templates:
      - t:
          template: templates/t.jinja
output:
  - stdout: {}
"""
TEMPLATE = (
    '{% do locals.set("n", locals.get("n", 0) + 1) %}{% do shared.set("last", tags | join(",")) %}'
    '{{ timestamp.isoformat() }} {{ tags | join(",") }} {{ params.who }} n={{ locals.get("n") }}\n'
)
EVENTS = [
    "2024-01-01T00:00:00+00:00 a ann n=1",
    "2024-01-01T00:00:00+00:00 a ann n=2",
    "2024-01-01T00:00:30+00:00 b ann n=3",
    "2024-01-01T00:01:00+00:00 a ann n=4",
    "2024-01-01T00:01:00+00:00 a ann n=5",
    "2024-01-01T00:02:00+00:00 a ann n=6",
    "2024-01-01T00:02:00+00:00 a ann n=7",
    "2024-01-01T00:02:10+00:00 b ann n=8",
]
WINDOW = {"start": "2024-01-01T00:00:00", "end": "2024-01-01T00:04:00"}


def write_project(folder: Path, yml: str = PROJECT, template: str = TEMPLATE) -> Path:
    (folder / "templates").mkdir(parents=True)
    (folder / "templates" / "t.jinja").write_text(template, "utf-8")
    path = folder / "generator.yml"
    path.write_text(textwrap.dedent(yml).lstrip("\n"), "utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """generator.yml in a folder named `shop`: its sample is named `shop`."""
    return write_project(tmp_path / "shop")


@pytest.fixture
def api(project: Path) -> Iterator[Api]:
    with running_studio(project.parent, 1, "generator.yml", ["--params", '{"who": "ann"}']) as url:
        yield Api(url)


def no_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".studio-") or ".bak-" in p.name)


def test_the_config_view_of_a_project(api: Api, project: Path) -> None:
    view = api.ok("/api/config")
    assert view["project"] is True
    assert view["conf"] == str(project)
    assert view["text"] == project.read_text("utf-8")  # the editor shows the YAML
    assert view["errors"] == []
    assert [s["label"] for s in view["samples"]] == ["shop"]
    sample = view["samples"][0]
    assert (sample["generator"], sample["input"]) == ("jinja", "timer")
    assert sample["schedules"] == [
        {"stanza": "shop", "input": "timer"},
        {"stanza": "shop:1:timestamps", "input": "timestamps"},
    ]
    # the stanzas are eventgen's translation of the YAML
    assert list(view["stanzas"]) == ["shop", "shop:1:timestamps"]
    first, second = view["stanzas"]["shop"], view["stanzas"]["shop:1:timestamps"]
    assert (first["input"], first["interval"], first["count"], first["timerRepeat"]) == ("timer", "60", "2", "3")
    assert (first["scheduleGroup"], first["jinjaTags"], first["jinja_variables"]) == ("shop", '["a"]', '{"who": "ann"}')
    assert first["jinja_template_dir"] == str(project.parent / "templates")
    assert second == {
        "scheduleGroup": "shop",
        "input": "timestamps",
        "timestampsList": '["2024-01-01T00:00:30+00:00", "2024-01-01T00:02:10+00:00"]',
        "jinjaTags": '["b"]',
    }
    assert view["files"] == [str(project), str(project.parent / "templates" / "t.jinja")]
    template = api.ok("/api/file?path=templates/t.jinja")  # the project's templates are editable files
    assert template["content"] == TEMPLATE


def test_preview_of_a_two_input_project_is_exact(api: Api) -> None:
    for n in (5, 8):
        preview = api.ok("/api/preview", {"sample": "shop", "n": n})
        assert preview["events"] == EVENTS[:n]
        assert preview["times"][:3] == [
            "2024-01-01T00:00:00.000+00:00",
            "2024-01-01T00:00:00.000+00:00",
            "2024-01-01T00:00:30.000+00:00",
        ]
        assert (preview["sample"], preview["generator"], preview["seed"]) == ("shop", "jinja", 1)


def test_histogram_counts_every_input(api: Api, project: Path) -> None:
    minutes = api.ok("/api/histogram", {"sample": "shop", **WINDOW})
    assert minutes["unit"] == "minute"
    assert minutes["labels"] == [f"2024-01-01 00:0{m}:00" for m in range(5)]
    assert minutes["counts"] == [3, 2, 3, 0]  # 2 timer events a minute, plus 00:00:30 and 00:02:10 from the second
    assert (minutes["total"], minutes["in_window"]) == (8, 8)
    halves = api.ok("/api/histogram", {"sample": "shop", **WINDOW, "bins": 2})
    assert halves["counts"] == [5, 3]
    # a what-if of the form (count for every stanza): redrawn, never written into the YAML
    before = project.read_bytes()
    what_if = api.ok("/api/histogram", {"sample": "shop", **WINDOW, "overrides": {"count": "5"}})
    assert what_if["counts"] == [6, 5, 6, 0]
    assert project.read_bytes() == before
    assert no_leftovers(project.parent) == []


def test_the_debugger_steps_through_the_merged_inputs(api: Api) -> None:
    debug = api.ok("/api/debug/step", {"sample": "shop", "steps": 3})
    assert debug["error"] is None
    assert [s["events"] for s in debug["steps"]] == [[e] for e in EVENTS[:3]]
    assert [s["time"] for s in debug["steps"]] == [
        "2024-01-01T00:00:00.000+00:00",
        "2024-01-01T00:00:00.000+00:00",
        "2024-01-01T00:00:30.000+00:00",
    ]
    assert [s["state"] for s in debug["steps"]] == [
        {"template": "t", "locals": {"t": {"n": 1}}, "shared": {"last": "a"}, "globals": {}},
        {"template": "t", "locals": {"t": {"n": 2}}, "shared": {"last": "a"}, "globals": {}},
        {"template": "t", "locals": {"t": {"n": 3}}, "shared": {"last": "b"}, "globals": {}},  # the second input
    ]


def test_an_unsaved_edit_is_previewed_without_touching_the_file(api: Api, project: Path) -> None:
    before, mtime = project.read_bytes(), project.stat().st_mtime_ns
    edited = project.read_text("utf-8").replace("count: 2", "count: 1").replace("tags: [b]", "tags: [alert]")
    preview = api.ok("/api/preview", {"sample": "shop", "n": 4, "conf_text": edited})
    assert preview["events"] == [
        "2024-01-01T00:00:00+00:00 a ann n=1",
        "2024-01-01T00:00:30+00:00 alert ann n=2",
        "2024-01-01T00:01:00+00:00 a ann n=3",
        "2024-01-01T00:02:00+00:00 a ann n=4",
    ]
    view = api.ok("/api/config", {"conf_text": edited})
    assert (view["text"], view["errors"], view["stanzas"]["shop:1:timestamps"]["jinjaTags"]) == (
        edited,
        [],
        '["alert"]',
    )
    histogram = api.ok("/api/histogram", {"sample": "shop", **WINDOW, "conf_text": edited})
    assert histogram["counts"] == [2, 1, 2, 0]
    assert (project.read_bytes(), project.stat().st_mtime_ns) == (before, mtime)
    assert no_leftovers(project.parent) == []


def test_errors_name_the_yaml_and_the_key_path(api: Api, project: Path) -> None:
    text = project.read_text("utf-8")
    cases = [
        (text.replace("seconds: 60", "secondz: 60"), "input[0].timer.secondz: unknown parameter"),
        (
            text.replace("templates/t.jinja", "templates/nope.jinja"),
            "event.template.templates[0].t.template: templates/nope.jinja: no such file "
            f"(relative paths are read from {project.parent})",
        ),
        (
            text.replace("${params.who}", "${params.where}"),
            f"line {text.splitlines().index('      who: ${params.who}') + 1}: ${{params.where}} has no value: "
            "give it with --params '{\"where\": ...}' or --params-file",
        ),
    ]
    for broken, message in cases:
        view = api.ok("/api/config", {"conf_text": broken})
        assert view["errors"] == [{"file": str(project), "stanza": "", "key": "", "message": message}]
        assert view["samples"] == [] and view["text"] == broken


def test_saving_a_broken_yaml_is_refused(api: Api, project: Path) -> None:
    before = project.read_bytes()
    broken = project.read_text("utf-8").replace("stdout: {}", "stdout: {strem: stderr}")
    status, answer = api.call("/api/save", {"file": str(project), "content": broken})
    assert status == 422
    assert answer["error"] == "not saved: the result does not validate"
    assert answer["errors"] == [
        {"file": str(project), "stanza": "", "key": "", "message": "output[0].stdout.strem: unknown parameter"}
    ]
    assert project.read_bytes() == before
    assert no_leftovers(project.parent) == []


def test_saving_a_good_yaml_keeps_a_backup(api: Api, project: Path) -> None:
    before = project.read_text("utf-8")
    good = before.replace("seconds: 60", "seconds: 30").replace("repeat: 3", "repeat: 2")
    saved = api.ok("/api/save", {"file": "generator.yml", "content": good})
    assert saved["file"] == str(project)
    backup = Path(saved["backup"])
    assert backup.parent == project.parent and backup.name.startswith("generator.yml.bak-")
    assert backup.read_text("utf-8") == before
    assert project.read_text("utf-8") == good
    assert api.ok("/api/config")["text"] == good
    preview = api.ok("/api/preview", {"sample": "shop", "n": 5})
    assert preview["events"] == [
        "2024-01-01T00:00:00+00:00 a ann n=1",
        "2024-01-01T00:00:00+00:00 a ann n=2",
        "2024-01-01T00:00:30+00:00 a ann n=3",
        "2024-01-01T00:00:30+00:00 a ann n=4",
        "2024-01-01T00:00:30+00:00 b ann n=5",  # equal times keep the inputs' order
    ]
    # a template of the project is saved the same way: validated by rendering, then written with a backup
    template = project.parent / "templates" / "t.jinja"
    status, answer = api.call("/api/save", {"file": str(template), "content": "{{ timestamp.isoformat( }}\n"})
    assert status == 422 and template.read_text("utf-8") == TEMPLATE
    assert answer["errors"][0] == {
        "file": str(project),
        "stanza": "shop",
        "key": "jinjaTemplates",
        "message": f"template {template}:1: syntax error: unexpected '}}', expected ')'",
    }
    saved = api.ok("/api/save", {"file": str(template), "content": "{{ tags | join('+') }} {{ params.who }}\n"})
    assert Path(saved["backup"]).read_text("utf-8") == TEMPLATE
    assert api.ok("/api/preview", {"sample": "shop", "n": 5})["events"][3:] == ["a ann", "b ann"]


def test_params_and_secrets_files_reach_templates(tmp_path: Path) -> None:
    folder = tmp_path / "creds"
    yml = PROJECT.replace("who: ${params.who}", "who: ${params.who}\n      tok: ${secrets.tok}")
    write_project(folder, yml, "{{ params.who }}/{{ params.tok }} {{ tags | join(',') }}\n")
    (folder / "params.yml").write_text("who: bob\n", "utf-8")
    (folder / "secrets.yml").write_text("tok: s3cret\n", "utf-8")
    args = ["--params-file", "params.yml", "--secrets-file", "secrets.yml"]
    with running_studio(folder, None, "generator.yml", args) as url:
        api = Api(url)
        assert api.ok("/api/preview", {"sample": "creds", "n": 3})["events"] == [
            "bob/s3cret a",
            "bob/s3cret a",
            "bob/s3cret b",
        ]
    with running_studio(folder, None, "generator.yml", ["--params", '{"who": "cy"}', *args]) as url:
        assert Api(url).ok("/api/preview", {"sample": "creds", "n": 1})["events"] == ["cy/s3cret a"]  # --params wins


def test_a_project_in_chromium(project: Path, api: Api) -> None:
    require_browser()
    from playwright.sync_api import expect

    original = project.read_text("utf-8")
    with chromium_page() as (page, page_errors):
        page.goto(f"{api.base}/?token={api.token}")
        page.wait_for_selector("body[data-ready='1']")
        expect(page.locator("#status")).to_have_text("valid")
        expect(page.locator("#editor-name")).to_have_text("generator.yml (Eventum project)")
        expect(page.locator("#save-conf")).to_have_text("Save generator.yml")
        expect(page.locator("#stanzas-title")).to_have_text("Stanzas eventgen makes of it (read-only)")
        assert page.locator("#conf-text").input_value() == original
        assert page.eval_on_selector_all("#sample option", "o => o.map(x => x.value)") == ["shop"]
        keys = {name: len(values) for name, values in api.ok("/api/config")["stanzas"].items()}
        assert page.locator("#stanzas summary").all_inner_texts() == [f"[{n}]{k} key(s)" for n, k in keys.items()]
        expect(page.locator("#live-events li")).to_have_count(5)
        assert page.locator("#live-events li pre").first.inner_text() == EVENTS[0]
        shot(page, "project-01-config")

        # a YAML error: one line naming the key path, its line marked in the gutter
        page.locator("#conf-text").fill(original.replace("seconds: 60", "secondz: 60"))
        expect(page.locator("#status")).to_have_text("1 error")
        expect(page.locator("#errors li")).to_have_text(f"{project}input[0].timer.secondz: unknown parameter")
        line = original.splitlines().index("      seconds: 60") + 1
        expect(page.locator("#conf-gutter .err")).to_have_text(str(line))
        page.locator("#conf-text").fill(original)
        expect(page.locator("#status")).to_have_text("valid")

        # the time distribution: every input's events; the form is a what-if, never copied into the YAML
        page.click("#tabs button[data-tab=histogram]")
        page.fill("#hist-start", WINDOW["start"])
        page.fill("#hist-end", WINDOW["end"])
        expect(page.locator("#hist-chart rect.bar")).to_have_count(4)
        expect(page.locator('#hist-chart rect.bar[data-index="0"]')).to_have_attribute("data-count", "3")
        assert bar_counts(page) == ["3", "2", "3", "0"]
        expect(page.locator("#hist-copy")).to_be_hidden()
        expect(page.locator("#hist-note")).to_contain_text("never saved")
        page.fill('#hist-params input[data-key="count"]', "5")
        expect(page.locator('#hist-chart rect.bar[data-index="0"]')).to_have_attribute("data-count", "6")
        assert bar_counts(page) == ["6", "5", "6", "0"]
        page.evaluate("copyEditsIntoConf()")  # what the hidden button would do: refused
        expect(page.locator("#toast")).to_contain_text("Not copied: an Eventum project's settings come from")
        assert page.locator("#conf-text").input_value() == original
        expect(page.locator("#dirty")).to_be_hidden()
        shot(page, "project-02-histogram")
        assert page_errors == []
    assert project.read_text("utf-8") == original
