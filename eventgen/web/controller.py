"""A generator whose spec names `bind`: the server is its controller. The conf and its files travel to the workers
in a bundle (as `eventgen controller` sends them); workers connect with CurveZMQ keys as they do to a controller."""

from __future__ import annotations

from collections.abc import Callable

import zmq

from eventgen.cluster import bundle as bundles
from eventgen.cluster.controller import Controller
from eventgen.core.errors import EventgenError
from eventgen.resolve.config import RunConfig
from eventgen.rpc.sockets import CurveServer, ZmqServer

CurveFor = Callable[[str], CurveServer | None]  # the Curve keys of a bind address (None: --insecure on loopback)


def controller_for(config: RunConfig, overrides: dict[str, str], bind: str, curve_for: CurveFor) -> Controller:
    """The controller of one generator's run, listening on `bind`; one clear line when it cannot."""
    bundle = bundles.build(config, overrides, None)
    try:
        server = ZmqServer(bind, curve_for(bind))
    except zmq.ZMQError as exc:
        raise EventgenError(f"bind {bind}: {exc.strerror}") from None
    return Controller(server, bundle)
