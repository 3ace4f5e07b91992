"""`eventgen convert generator.yml`: the eventgen.conf an Eventum project runs as, and what has no equivalent."""

from __future__ import annotations

import argparse
import sys

from eventgen.cli.common import add_params_options, openable
from eventgen.core.errors import EXIT_OK, ConfigError, ConfigErrors


def build(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="Eventum generator.yml")
    add_params_options(parser)
    parser.add_argument(
        "--sample-mode", action="store_true", help="translate for sample mode (time patterns start at their start)"
    )


def render(sections: dict[str, dict[str, str]], notes: list[str], source: str) -> str:
    lines = [f"# eventgen.conf made by `eventgen convert {source}`"]
    lines += [f"# no equivalent: {note}" for note in notes]
    for stanza, values in sections.items():
        lines += ["", f"[{stanza}]"]
        for key, value in values.items():
            text = str(value)
            if "\n" in text:  # a conf value is one line: such values (templates) are kept JSON-escaped
                text = text.replace("\n", "\\n")
            lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    import os

    from eventgen.conf.eventum import looks_like_project, params_from, secrets_from
    from eventgen.conf.eventum_map import translate

    openable(args.project)
    if not looks_like_project(args.project):
        raise ConfigErrors(
            [ConfigError("not an Eventum project (a YAML file with input, event, output)", args.project)]
        )
    params = params_from(args.params, args.params_file)
    secrets = secrets_from(os.environ, args.secrets_file)
    sections, notes = translate(args.project, params, secrets, args.sample_mode)
    sys.stdout.write(render(sections, notes, args.project))
    return EXIT_OK
