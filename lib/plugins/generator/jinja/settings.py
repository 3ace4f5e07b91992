"""The jinja generator's declared settings: each name, parser, default and doc, once."""

from __future__ import annotations

from eventgen.plugin import (
    PathKind,
    Setting,
    at_least,
    choice,
    parse_bool,
    parse_int,
    parse_json,
    parse_list,
    parse_str,
)

from .pickers import MODES

SETTINGS = (
    Setting(
        "jinja_template_dir",
        parse_str,
        None,
        "Folder of the templates. Relative paths resolve against the conf's folder, then the sample folders. "
        "Default: `templates/` in the sample folder or the conf's folder.",
        path=PathKind.FOLDER,
    ),
    Setting(
        "jinjaSearchPath",
        parse_list,
        None,
        "Further folders (comma-separated) where imports, includes and extends are looked up after the template "
        "folder, e.g. an Eventum project's own folder, so `{% from 'templates/_base.jinja' import x %}` works.",
    ),
    Setting(
        "jinja_target_template",
        parse_str,
        None,
        "Eventgen's single template file (in the template folder). Use `jinjaTemplates` for several.",
    ),
    Setting(
        "jinja_variables",
        parse_json,
        "{}",
        "JSON object of variables every template sees by name (and as `params`). Optional.",
    ),
    Setting(
        "jinja_count_type",
        choice("cycles"),
        "cycles",
        "Eventgen's count semantics: `count` is the number of template renders (cycles) per interval.",
    ),
    Setting(
        "jinjaTemplates",
        parse_json,
        None,
        "JSON object (or list of one-key objects) of templates by alias: "
        '`{"login": {"template": "login.j2", "vars": {..}, "chance": 2, "initial": true, '
        '"transitions": [{"to": "browse", "when": ..}]}}`. A plain list of file names also works.',
    ),
    Setting(
        "jinjaMode",
        choice(*MODES),
        "all",
        "How templates are picked per timestamp: `all` (each renders), `any` (uniform), `chance` (weighted by "
        "`chance`), `spin` (round-robin), `chain` (round-robin over `jinjaChain`), `fsm` (state machine).",
    ),
    Setting("jinjaChain", parse_list, None, "For `jinjaMode = chain`: template aliases in order, e.g. `a, a, b`."),
    Setting(
        "jinjaSamples",
        parse_json,
        None,
        'JSON object of tables templates draw from as `samples.<alias>`: `{"users": {"type": "csv", '
        '"source": "users.csv", "header": true}}`; types csv, json, items (inline list).',
        path=PathKind.FILE,
        path_keys=("source",),
    ),
    Setting(
        "jinjaModulesDir",
        parse_str,
        None,
        "Folder of Python modules templates use as `module.<name>` (relative to the conf's folder).",
        path=PathKind.FOLDER,
    ),
    Setting(
        "jinjaAllowSubprocess",
        parse_bool,
        "false",
        "Let templates run shell commands with `subprocess.run(cmd)`. Off by default.",
    ),
    Setting(
        "jinjaSandbox",
        parse_bool,
        "false",
        "Render in Jinja's sandbox (for untrusted templates): no private attributes, only `rand` and "
        "jinjaModulesDir modules, no subprocess.",
    ),
    Setting(
        "jinjaOutput",
        choice("text", "json"),
        None,
        "`text`: each render is one event. `json`: a render holds JSON objects, one event each; `_raw`, `_time`, "
        "host, source, sourcetype and index keys become the event and its metadata. Default: json for "
        "Eventgen-style stanzas (`jinja_target_template` without `jinjaTemplates`), else text.",
    ),
    Setting(
        "jinjaTags",
        parse_json,
        "[]",
        'JSON list templates see as `tags` (Eventum\'s input `tags`), e.g. `["web", "eu"]`.',
        scope="schedule",
    ),
    Setting(
        "jinjaStateGroup",
        parse_str,
        None,
        "Samples naming the same group share `locals` (per alias) and `shared` within a process, as one "
        "Eventum event plugin does across its inputs (an Eventum project's samples set it).",
    ),
    Setting(
        "jinjaStateLanes",
        at_least(parse_int, 1),
        "1",
        "Independent copies of the sample's `locals`, `shared` and picker position. Job n renders in lane "
        "n mod lanes, the lanes on different workers at once: a stateful sample then uses more than one core. "
        "Each lane's renders are in order and see the state its previous render left (templates see `state_lane` "
        "and `state_lanes`). 1: one state, every job on one worker.",
    ),
    Setting(
        "jinjaBatch",
        parse_bool,
        "false",
        "Render each template once per job with `timestamps`/`epochs`/`count` for all its events (the fast "
        "path): the template loops and writes one event per line (text) or one JSON object per event (json).",
    ),
)
