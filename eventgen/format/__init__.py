"""Formatting stage: events' text and envelopes in wire bytes (text, syslog, envelopes, splice, payload)."""
