"""Controller and workers over ZeroMQ: one run across many machines (see docs/distributed.md)."""
