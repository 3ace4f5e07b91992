"""`outputMode = httpevent`: Splunk HTTP Event Collector (the sink is the `_hec` helper package)."""

from __future__ import annotations

from ._hec import HecOutput, HecRejected, Server, chunk_bounds, parse_servers

__all__ = ["HecRejected", "HttpEventOutput", "Server", "chunk_bounds", "parse_servers"]


class HttpEventOutput(HecOutput):
    name = "httpevent"
    summary = "Splunk HEC: event or raw endpoint, batched requests, gzip, round-robin or mirrored servers."
