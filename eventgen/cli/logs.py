"""Logging for the CLI: eventgen's own lines as they are; client libraries (urllib3, opensearch-py,
librdkafka, …) kept to one line per distinct error, without their tracebacks, unless -vv."""

from __future__ import annotations

import logging
import re
import sys

_NUMBERS = re.compile(r"\d+(?:\.\d+)?")


class QuietThirdParty(logging.Filter):
    """Drops repeats and tracebacks of records that do not come from eventgen's own loggers."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[tuple[str, int, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "eventgen" or record.name.startswith(("eventgen.", "eventgen_")):
            return True
        if record.exc_info and not record.getMessage().strip():
            record.msg, record.args = str(record.exc_info[1]), None
        record.exc_info = record.exc_text = record.stack_info = None
        key = (record.name, record.levelno, _NUMBERS.sub("N", record.getMessage()))  # timings vary, errors repeat
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def setup_logging(verbose: int) -> None:
    """-v: INFO, -vv: DEBUG (and client libraries' records in full)."""
    logging.basicConfig(
        level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)],
        format="eventgen: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    if verbose < 2:
        for handler in logging.getLogger().handlers:
            handler.addFilter(QuietThirdParty())
        for name in ("urllib3", "opensearch", "elastic_transport", "confluent_kafka"):
            logging.getLogger(name).setLevel(logging.ERROR if verbose == 0 else logging.WARNING)
