"""eventgen: a fast, Splunk Eventgen-compatible synthetic event generator."""

__version__ = "0.1.0"
