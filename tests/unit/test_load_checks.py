"""What the loader refuses before anything is made (issue 22, "validated at load"), called in-process: each bad
input is one ConfigError naming file, stanza and key and what is allowed; good neighbours of each stay accepted.
The same inputs through the command line (exit 2, one line, validate and run) are in tests/e2e/test_load_checks_cli.py
and tests/e2e/test_conf_fuzz.py."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from eventgen.conf.files import path_problem, read_text, writable_file_problem
from eventgen.core.errors import ConfigErrors
from eventgen.core.settings import SettingError, parse_float, parse_json, parse_names
from eventgen.core.timeutil import parse_timezone
from eventgen.resolve.loader import load
from tests.servers import self_signed_cert

S = "[s\\.log]\n"
BINARY = bytes(range(256)) * 4


def loaded(tmp_path: Path, conf: str, sample: str = "X one\nX two\n", **kwargs):
    (tmp_path / "s.log").write_text(sample, encoding="utf-8")
    path = tmp_path / "eventgen.conf"
    path.write_text(conf, encoding="utf-8")
    return load(path, **kwargs)


def errors(tmp_path: Path, conf: str, sample: str = "X one\nX two\n", **kwargs) -> list[str]:
    with pytest.raises(ConfigErrors) as caught:
        loaded(tmp_path, conf, sample, **kwargs)
    return [str(error) for error in caught.value.errors]


def one_error(tmp_path: Path, conf: str, **kwargs) -> str:
    found = errors(tmp_path, conf, **kwargs)
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'eventgen.conf'}: [s\\.log]: "), found[0]
    return found[0].split(": [s\\.log]: ", 1)[1]


# ----- timezone ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("0000", 0), ("-500", -300), ("530", 330), ("+0530", 330), ("-08:00", -480), ("+2359", 1439), ("-2359", -1439)],
)
def test_splunk_offsets_are_taken(text: str, minutes: int) -> None:
    assert parse_timezone(text).utcoffset(None).total_seconds() == minutes * 60


@pytest.mark.parametrize("text", ["+2500", "-2400", "+0160", "999", "+24:00", "-05:75"])
def test_offsets_out_of_range_are_one_line(tmp_path: Path, text: str) -> None:
    assert one_error(tmp_path, S + f"timezone = {text}\n") == (
        f"timezone: offset {text!r} is out of range: hhmm from -2359 to +2359 with minutes 00-59 (e.g. -0500, 530)"
    )


def test_an_integer_offset_is_used(tmp_path: Path) -> None:
    config = loaded(tmp_path, S + "timezone = -500\n")
    assert config.samples[0].tz.utcoffset(None).total_seconds() == -5 * 3600


# ----- NaN and infinity --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "Infinity", "1e999"])
def test_no_float_setting_takes_nan_or_infinity(text: str) -> None:
    with pytest.raises(SettingError, match="expected a finite number"):
        parse_float(text)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("interval = nan", "interval: expected a finite number, got 'nan'"),
        ("delay = inf", "delay: expected a finite number, got 'inf'"),
        ("randomizeCount = -Infinity", "randomizeCount: expected a finite number, got '-Infinity'"),
        ("outputGiveUpSeconds = NaN", "outputGiveUpSeconds: expected a finite number, got 'NaN'"),
        ("input = rate\nrate = inf", "rate: expected a finite number, got 'inf'"),
        ('hourOfDayRate = {"0": NaN}', "hourOfDayRate: invalid JSON (NaN is not a number JSON allows)"),
        ('hourOfDayRate = {"0": 1e999}', "hourOfDayRate: invalid JSON (1e999 is beyond the range of a number)"),
    ],
)
def test_nan_and_infinite_numbers_are_refused_at_load(tmp_path: Path, setting: str, message: str) -> None:
    assert one_error(tmp_path, S + setting + "\n") == message


def test_json_numbers_in_range_are_kept() -> None:
    assert parse_json('{"a": 1.5e300, "b": -2}') == {"a": 1.5e300, "b": -2}


# ----- files that are not text, paths that cannot be opened ------------------------------------------------------


def test_a_conf_that_is_a_symlink_loop_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a.conf").symlink_to(tmp_path / "b.conf")
    (tmp_path / "b.conf").symlink_to(tmp_path / "a.conf")
    with pytest.raises(ConfigErrors) as caught:
        load(tmp_path / "a.conf")
    [error] = caught.value.errors
    assert str(error) == f"{tmp_path / 'a.conf'}: cannot open {tmp_path / 'a.conf'}: Too many levels of symbolic links"


def test_a_conf_name_too_long_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / ("a" * 300 + ".conf")
    with pytest.raises(ConfigErrors) as caught:
        load(path)
    [error] = caught.value.errors
    assert str(error) == f"{path}: cannot open {path}: File name too long"
    assert path_problem(tmp_path / "missing.conf") is None  # a missing file is the caller's to name


def test_read_text_names_the_file_line_and_byte(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_bytes(b"ok\nbad \xff here\n")
    with pytest.raises(SettingError) as caught:
        read_text(tmp_path / "t.txt")
    assert str(caught.value) == (
        f"cannot read {tmp_path / 't.txt'}: line 2, byte offset 7: byte 0xff is not UTF-8 text (binary?)"
    )


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ("outputFormat = template\noutputTemplateFile = {bin}", "outputTemplateFile"),
        ("outputFormat = jinja\noutputTemplateFile = {bin}", "outputTemplateFile"),
        ("input = timepatterns\ntimePatterns = {bin}", "timePatterns"),
        ("input = timestamps\ntimestampsFile = {bin}", "timestampsFile"),
    ],
)
def test_binary_files_that_settings_name_are_one_line(tmp_path: Path, setting: str, key: str) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(BINARY)
    message = one_error(tmp_path, S + setting.format(bin=junk) + "\n")
    assert message.startswith(f"{key}: cannot read "), message
    assert message.endswith(f"{junk}: line 2, byte offset 128: byte 0x80 is not UTF-8 text (binary?)"), message


def test_a_binary_jinja_template_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "main.j2").write_text('{% include "part.j2" %}\n')
    (tmp_path / "t" / "part.j2").write_bytes(BINARY)
    conf = '[gen]\ngenerator = jinja\njinja_template_dir = t\njinjaTemplates = {"a": {"template": "main.j2"}}\n'
    with pytest.raises(ConfigErrors) as caught:
        loaded(tmp_path, conf)
    [error] = caught.value.errors
    assert str(error).endswith(
        "[gen]: jinjaTemplates: template part.j2: byte offset 128 is not UTF-8 text (a binary file?)"
    )


def test_a_jinja_output_template_file_is_read(tmp_path: Path) -> None:
    """Eventum's `template_path` becomes outputTemplateFile with outputFormat = jinja: it was refused as missing."""
    (tmp_path / "fmt.j2").write_text("<{{ event }}>\n")
    config = loaded(tmp_path, S + f"outputFormat = jinja\noutputTemplateFile = {tmp_path / 'fmt.j2'}\n")
    assert config.samples[0].settings["outputTemplateFile"] == str(tmp_path / "fmt.j2")


# ----- breaker -------------------------------------------------------------------------------------------------


def test_a_backtracking_breaker_is_refused_within_its_bound(tmp_path: Path) -> None:
    began = time.monotonic()
    message = one_error(tmp_path, S + "breaker = ^(a+)+$\n", sample="a" * 40 + "!\nb\n")
    assert time.monotonic() - began < 20
    assert message == (
        f"breaker: regex '^(a+)+$' takes over 1s on line 1 of {tmp_path / 's.log'}: catastrophic backtracking "
        "(nested repeats like (a+)+?); refused"
    )


def test_a_backtracking_breaker_is_timed_once_for_every_check_that_reads_the_events(tmp_path: Path) -> None:
    """Replay's own checks read the events too: they get the same refusal at once, and say nothing more."""
    began = time.monotonic()
    message = one_error(tmp_path, S + "mode = replay\nbreaker = ^(a+)+$\n", sample="a" * 40 + "!\nb\n")
    assert message.startswith("breaker: regex '^(a+)+$' takes over 1s on line 1 of "), message
    assert time.monotonic() - began < 20


def test_a_fine_breaker_still_splits_multiline_events(tmp_path: Path) -> None:
    config = loaded(tmp_path, S + "breaker = ^\\d\n", sample="1 a\n  more\n2 b\n")
    assert config.samples[0].data.texts == ["1 a\n  more", "2 b"]


# ----- outputMode, outputTemplate, outputFormatBy --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("file,,file", "'file,,file' has an empty entry (a comma too many)"),
        ("stdout,", "'stdout,' has an empty entry (a comma too many)"),
        ("stdout, devnull, stdout", "stdout named twice: name each once"),
        ("", "names nothing: give at least one, comma-separated"),
        ("  ", "names nothing: give at least one, comma-separated"),
    ],
)
def test_empty_or_repeated_output_entries_are_refused(tmp_path: Path, text: str, message: str) -> None:
    assert one_error(tmp_path, S + f"outputMode = {text}\n") == f"outputMode: {message}"


def test_distinct_outputs_and_instances_are_taken() -> None:
    assert parse_names("stdout, file, file#archive") == ["stdout", "file", "file#archive"]


def test_an_unknown_template_field_is_refused_listing_the_known(tmp_path: Path) -> None:
    assert one_error(tmp_path, S + "outputFormat = template\noutputTemplate = {nosuchfield} {_raw}\n") == (
        "outputTemplate: unknown field {nosuchfield} (known: _raw, _time, host, source, sourcetype, index, sample)"
    )


def test_a_jinja_template_with_a_syntax_error_is_refused(tmp_path: Path) -> None:
    assert one_error(tmp_path, S + "outputFormat = jinja\noutputTemplate = {{ event \n") == (
        "outputTemplate: Jinja syntax error at line 1: unexpected end of template, expected 'end of print statement'."
    )


def test_templates_of_output_format_by_entries_are_checked(tmp_path: Path) -> None:
    conf = S + 'outputMode = stdout, devnull\noutputFormatBy = {"devnull": {"outputFormat": "jinjabatch", '
    conf += '"outputTemplate": "{% for e in events %}"}}\n'
    message = one_error(tmp_path, conf)
    assert message.startswith("outputFormatBy: devnull: outputTemplate: Jinja syntax error at line 1: "), message


@pytest.mark.parametrize(
    ("by", "message"),
    [
        ('{"file": {"outputFormat": "json"}}', "'file' is not an entry of outputMode (which lists stdout): name one"),
        ('["stdout"]', 'expected a JSON object of output name: {settings}, e.g. {"stdout": {...}}'),
        ('{"stdout": "json"}', "stdout: expected a JSON object of settings, got 'json'"),
        ('{"stdout": {"fileName": "x"}}', "stdout: fileName: only outputFormat, outputTemplate, outputTemplateFile, "),
        ('{"stdout": {"outputFormat": "xml"}}', "stdout: outputFormat: 'xml' is not one of: raw, json, template"),
    ],
)
def test_output_format_by_names_entries_of_output_mode(tmp_path: Path, by: str, message: str) -> None:
    found = one_error(tmp_path, S + f"outputFormatBy = {by}\n")
    assert found.startswith(f"outputFormatBy: {message}"), found


def test_output_format_by_values_are_parsed_as_declared(tmp_path: Path) -> None:
    from eventgen.plugin.base import registry

    config = loaded(tmp_path, S + 'outputFormatBy = {"stdout": {"outputFormat": "JSON", "outputJsonIndent": "2"}}\n')
    settings = config.samples[0].settings
    built = registry.get("output", "stdout").config_of(settings, "stdout")  # type: ignore[call-arg]
    assert (built.outputFormat, built.outputJsonIndent) == ("json", 2)


def test_outputs_chosen_on_the_command_line_may_leave_output_format_by_names_out(tmp_path: Path) -> None:
    conf = S + f'outputMode = file\nfileName = {tmp_path / "o.log"}\noutputFormatBy = {{"file": {{}}}}\n'
    config = loaded(tmp_path, conf, overrides={"outputMode": "stdout"})
    assert config.samples[0].settings["outputMode"] == ["stdout"]


# ----- output destinations --------------------------------------------------------------------------------------


def test_file_name_must_be_a_writable_regular_file(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "plain").write_text("")
    cases = {
        tmp_path / "folder": f"{tmp_path / 'folder'} is a folder: name a file (in it, or elsewhere)",
        Path("/proc/version"): "/proc/version cannot be written (",
        tmp_path / "plain" / "x.log": f"cannot open {tmp_path / 'plain' / 'x.log'}: Not a directory",
        Path("/dev/null"): "/dev/null is not a regular file (a device, pipe or socket): name a regular file",
    }
    for path, message in cases.items():
        found = one_error(tmp_path, S + f"outputMode = file\nfileName = {path}\n")
        assert found.startswith(f"fileName: {message}"), found


def test_a_new_file_in_new_folders_is_taken_and_not_made_by_the_check(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "out.log"
    assert writable_file_problem(target) is None
    loaded(tmp_path, S + f"outputMode = file\nfileName = {target}\n")
    assert not (tmp_path / "new").exists()


def test_spool_settings_are_checked(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "plain").write_text("")
    assert one_error(tmp_path, S + f"spoolFailedTo = {tmp_path / 'folder'}\n").startswith(
        f"spoolFailedTo: {tmp_path / 'folder'} is a folder"
    )
    assert one_error(tmp_path, S + f"outputMode = spool\nspoolDir = {tmp_path / 'plain'}\n") == (
        f"spoolDir: {tmp_path / 'plain'} is not a folder"
    )
    assert one_error(tmp_path, S + "outputMode = spool\nspoolFile = a/b.log\n") == (
        "spoolFile: a file name, not a path: give the folder in spoolDir"
    )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "outputMode = tcpout\ntcpDestinationHost = not a host!!",
            "tcpDestinationHost: 'not a host!!' is not a host name (letters, digits, '-', '_' and dots) or an IP "
            "address",
        ),
        ("outputMode = udpout\nudpDestinationHost = a..b", "udpDestinationHost: 'a..b' is not a host name"),
        ("outputMode = syslogout\nsyslogDestinationHost = -x", "syslogDestinationHost: '-x' is not a host name"),
        ("clickhouseHost = a b", "clickhouseHost: 'a b' is not a host name"),
        ("kafkaBootstrapServers = good:9092, b@d:9092", "kafkaBootstrapServers: 'b@d' is not a host name"),
        (
            "opensearchHosts = notaurl",
            "opensearchHosts: expected a URL like http://host:port/path (or https://), got 'notaurl'",
        ),
        ("opensearchHosts = http://node:9200, ftp://x", "opensearchHosts: expected a URL like http://host:port/path"),
        ("outputMode = http", "httpUrl: outputMode = http needs httpUrl = http://host:port/path (or https://)"),
        ("outputMode = http\nhttpUrl = http://127.0.0.1:99999/x", "httpUrl: a port is 1-65535, got 99999"),
        (
            "outputMode = http\nhttpUrl = http://:8080/x",
            "httpUrl: 'http://:8080/x' names no host: expected http://host:port/path",
        ),
        (
            "outputMode = http\nhttpUrl = http:///x",
            "httpUrl: expected a URL like http://host:port/path (or https://), got 'http:///x'",
        ),
        (
            'outputMode = httpevent\nhttpeventServers = {"servers": [{"address": "h h", "port": 8088, "key": "k"}]}',
            "httpeventServers: servers[0].address: 'h h' is not a host name",
        ),
        (
            'outputMode = kafka\nkafkaProducerConfig = {"no.such.key": 1}',
            "kafkaProducerConfig: librdkafka refuses the producer's properties: No such configuration property: "
            '"no.such.key"',
        ),
        (
            'outputMode = kafka\nkafkaProducerConfig = {"compression.codec": "zip"}',
            "kafkaProducerConfig: librdkafka refuses the producer's properties: Invalid value",
        ),
    ],
)
def test_destinations_are_checked_at_load(tmp_path: Path, setting: str, message: str) -> None:
    found = one_error(tmp_path, S + setting + "\n")
    assert found.startswith(message), found


@pytest.mark.parametrize(
    "setting",
    [
        "outputMode = tcpout\ntcpDestinationHost = logs-1.example.com",
        "outputMode = tcpout\ntcpDestinationHost = ::1",
        "outputMode = udpout\nudpDestinationHost = host_with_underscore",
        "outputMode = opensearch\nopensearchHosts = http://[::1]:9200, https://node.example:9200/prefix",
        "outputMode = http\nhttpUrl = https://user:pw@127.0.0.1:8443/in?x=1",
        'outputMode = kafka\nkafkaProducerConfig = {"batch.num.messages": 1000, "client.id": "me"}',
        "kafkaBootstrapServers = [::1]:9092, broker",
    ],
)
def test_good_destinations_stay_accepted(tmp_path: Path, setting: str) -> None:
    assert loaded(tmp_path, S + setting + "\n").samples


TLS_FILES = [
    ("syslogout", "syslogProtocol = tcp\nsyslogTls = true\n", "syslogTlsCertFile"),
    ("syslogout", "syslogProtocol = tcp\nsyslogTls = true\n", "syslogTlsCaFile"),
    ("tcpout", "tcpTls = true\n", "tcpTlsCaFile"),
    ("http", "httpUrl = https://127.0.0.1:8443/\n", "httpCaFile"),
    (
        "httpevent",
        'httpeventServers = {"servers": [{"address": "127.0.0.1", "port": 8088, "key": "k"}]}\n',
        "httpeventCaFile",
    ),
    ("opensearch", "", "opensearchCaFile"),
    ("clickhouse", "clickhouseTable = t\n", "clickhouseCaFile"),
    ("clickhouse", "clickhouseTable = t\n", "clickhouseCertFile"),
]


@pytest.mark.parametrize(("output", "extra", "key"), TLS_FILES)
def test_every_missing_tls_file_is_refused_at_load(tmp_path: Path, output: str, extra: str, key: str) -> None:
    missing = tmp_path / "none.pem"
    found = one_error(tmp_path, S + f"outputMode = {output}\n{extra}{key} = {missing}\n")
    assert found == f"{key}: file {missing} does not exist or is not a file: give the path of a PEM file"


@pytest.mark.parametrize(("output", "extra", "key"), TLS_FILES[1:])
def test_a_tls_file_that_is_not_pem_is_refused_at_load(tmp_path: Path, output: str, extra: str, key: str) -> None:
    (tmp_path / "junk.pem").write_text("not a certificate\n")
    found = one_error(tmp_path, S + f"outputMode = {output}\n{extra}{key} = {tmp_path / 'junk.pem'}\n")
    what = "client certificate/key" if key.endswith("CertFile") else "CA file"
    assert found.startswith(f"{key}: cannot load {what}: {tmp_path / 'junk.pem'}: "), found


def test_tls_files_that_load_are_taken(tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path)
    conf = S + "outputMode = syslogout, clickhouse\nsyslogProtocol = tcp\nsyslogTls = true\nclickhouseTable = t\n"
    conf += f"syslogTlsCaFile = {cert}\nsyslogTlsCertFile = {cert}\nsyslogTlsKeyFile = {key}\n"
    conf += f"clickhouseCaFile = {cert}\nclickhouseCertFile = {cert}\nclickhouseKeyFile = {key}\n"
    assert loaded(tmp_path, conf).samples
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    _, other_key = self_signed_cert(other_dir)  # a key that is not the certificate's
    found = one_error(tmp_path, conf.replace(f"syslogTlsKeyFile = {key}", f"syslogTlsKeyFile = {other_key}"))
    assert found.startswith(f"syslogTlsCertFile: cannot load client certificate/key: {cert}: "), found


def test_a_second_instance_is_checked_with_its_own_settings(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    good = f'{{"file#b": {{"fileName": "{tmp_path / "b.log"}"}}}}'
    conf = S + f"outputMode = file, file#b\nfileName = {tmp_path / 'a.log'}\noutputFormatBy = {good}\n"
    assert loaded(tmp_path, conf).samples
    bad = good.replace(str(tmp_path / "b.log"), str(tmp_path / "folder"))
    found = one_error(tmp_path, conf.replace(good, bad))
    assert (
        found
        == f"outputFormatBy: file#b: fileName: {tmp_path / 'folder'} is a folder: name a file (in it, or elsewhere)"
    )


# ----- every error of a stanza at once ---------------------------------------------------------------------------


def test_validate_lists_every_error_of_one_stanza(tmp_path: Path) -> None:
    """A bad timezone used to hide the rest of its stanza (the missing token file above all)."""
    (tmp_path / "folder").mkdir()
    conf = S + (
        "timezone = +2500\ninterval = nan\noutputMode = file, stdout\n"
        f"fileName = {tmp_path / 'folder'}\noutputFormat = template\noutputTemplate = {{nope}}\n"
        "token.0.token = X\ntoken.0.replacementType = file\ntoken.0.replacement = nowhere.txt\n"
        "syslogDestinationHost = bad host\n"
    )
    found = errors(tmp_path, conf)
    keys = sorted(line.split(": [s\\.log]: ", 1)[1].split(":", 1)[0] for line in found)
    assert keys == [
        "fileName",
        "interval",
        "outputTemplate",
        "syslogDestinationHost",
        "timezone",
        "token.0.replacement",
    ], found
    assert all(line.startswith(f"{tmp_path / 'eventgen.conf'}: [s\\.log]: ") for line in found)


def test_the_checks_create_nothing(tmp_path: Path) -> None:
    before = sorted(os.listdir(tmp_path))
    loaded(
        tmp_path,
        S + f"outputMode = file\nfileName = {tmp_path / 'out' / 'o.log'}\nspoolFailedTo = {tmp_path / 's.j'}\n",
    )
    assert sorted(os.listdir(tmp_path)) == sorted({*before, "eventgen.conf", "s.log"})
