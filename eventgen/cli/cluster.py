"""`eventgen controller`, `worker`, `status` and `keys`."""

from __future__ import annotations

import argparse
import logging
import sys
import uuid
from pathlib import Path

from eventgen.cli import common
from eventgen.cli.destinations import check_file, check_folder
from eventgen.core.errors import EXIT_FAILED, EXIT_OK, EventgenError
from eventgen.run.signals import handle_signals

log = logging.getLogger("eventgen")


INSECURE = (
    "--insecure: workers are not authenticated: any local process can join this run, receive its conf and "
    "samples, and report counts"
)


def _curve_server(args: argparse.Namespace):
    """The controller's Curve keys: those given, or this user's local pair (made on first use); None with --insecure."""
    from eventgen.rpc.sockets import CurveServer, is_loopback

    secret, authorized = args.curve_secret_key, args.authorized_keys
    if bool(secret) != bool(authorized):
        raise EventgenError("--curve-secret-key and --authorized-keys go together")
    if args.insecure and secret:
        raise EventgenError("--insecure and --curve-secret-key exclude each other")
    if not secret and not is_loopback(args.bind):
        raise EventgenError(
            f"refusing to bind {args.bind} beyond loopback without CurveZMQ: pass --curve-secret-key FILE "
            "and --authorized-keys DIR (make keys with `eventgen keys generate`), or bind tcp://127.0.0.1:PORT"
        )
    if args.insecure:
        log.warning("%s", INSECURE)
        return None
    if not secret:
        from eventgen.cluster.local_keys import keys_dir, local_secret

        return CurveServer(local_secret(), keys_dir())
    return CurveServer(Path(secret), Path(authorized))


def _connect(args: argparse.Namespace, identity: bytes):
    """A client connection to `--connect`: with the keys given, this user's local pair, or none with --insecure."""
    from eventgen.rpc.sockets import CurveClient, ZmqClient, is_loopback

    if bool(args.curve_key) != bool(args.server_key):
        raise EventgenError("--curve-key and --server-key go together")
    if args.insecure and args.curve_key:
        raise EventgenError("--insecure and --curve-key exclude each other")
    if not args.curve_key and not is_loopback(args.connect):
        raise EventgenError(
            f"connecting to {args.connect} beyond loopback needs CurveZMQ: pass --curve-key "
            "FILE (this worker's .key_secret) and --server-key FILE (the controller's .key)"
        )
    hint = ""
    if args.insecure:
        log.warning("--insecure: the controller is not authenticated, nor are we")
        curve = None
    elif args.curve_key:
        curve = CurveClient(Path(args.curve_key), Path(args.server_key))
    else:
        from eventgen.cluster.local_keys import local_secret

        secret = local_secret()
        curve = CurveClient(secret, secret)
        hint = (
            f" (we used this user's local keys, {secret}: a controller of another user or with keys of its own "
            "needs --curve-key and --server-key; one started with --insecure needs --insecure)"
        )
    transport = ZmqClient(args.connect, identity, curve)
    transport.hint = hint
    return transport


def zmq_address(text: str) -> str:
    """An argparse type: `tcp://HOST:PORT` (port 1-65535, or `*` for any), `ipc://PATH` or `inproc://NAME`."""
    from eventgen.core.settings import SettingError, port

    scheme, sep, rest = text.partition("://")
    if scheme in ("ipc", "inproc") and sep and rest:
        return text
    host, colon, number = rest.rpartition(":")
    if scheme != "tcp" or not sep or not colon or not host:
        raise argparse.ArgumentTypeError(f"expected tcp://HOST:PORT, got {text!r}")
    if number != "*":
        try:
            port(number)
        except SettingError as exc:
            raise argparse.ArgumentTypeError(f"{exc} in {text!r}") from None
    return text


def _add_client_keys(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--connect", required=True, type=zmq_address, metavar="tcp://HOST:PORT", help="the controller's address"
    )
    parser.add_argument("--curve-key", metavar="FILE", help="own Curve secret key file (NAME.key_secret)")
    parser.add_argument("--server-key", metavar="FILE", help="the controller's Curve public key file (NAME.key)")
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="connect without CurveZMQ, to a controller started with --insecure (loopback only)",
    )


# ----- controller --------------------------------------------------------------------------------


def build_controller(parser: argparse.ArgumentParser) -> None:
    from eventgen.cli.generate import add_run_options

    common.add_sample_options(parser)
    add_controller_options(parser)
    parser.add_argument(
        "--devnull", dest="output", action="store_const", const="devnull", help="every sample to devnull on the workers"
    )
    add_run_options(parser)


def add_controller_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, required: bool = True) -> None:
    """The flags of a command that runs its plan as a controller (`controller`; `knee --bind`)."""
    parser.add_argument(
        "--bind", required=required, type=zmq_address, metavar="tcp://HOST:PORT", help="address workers connect to"
    )
    parser.add_argument("--curve-secret-key", metavar="FILE", help="controller's Curve secret key (NAME.key_secret)")
    parser.add_argument("--authorized-keys", metavar="DIR", help="folder of authorised workers' public *.key files")
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="on loopback, let workers in without keys (any local process can join; default: this user's "
        "local keys, made on first use)",
    )
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=30.0,
        help="on Ctrl-C, how long to wait for queued and in-flight jobs (default 30)",
    )
    parser.add_argument("--heartbeat", type=float, default=1.0, help="heartbeat period in seconds (default 1)")
    parser.add_argument(
        "--liveness", type=int, default=3, help="heartbeat periods of silence before a worker is lost (default 3)"
    )
    parser.add_argument(
        "--expect-workers",
        type=int,
        default=0,
        metavar="N",
        help="start the plan only once N workers have joined (default 0: at once)",
    )


def run_controller(args: argparse.Namespace) -> int:
    from eventgen.cli.generate import run_config

    check_file("--stats-json", args.stats_json)
    config = common.load_config(args)
    if not config.samples:
        log.warning("no enabled samples in %s: nothing to generate", args.conf)
    controller = start_controller(args, config)
    return run_config(config, args, controller.transport, controller.summarize)


def start_controller(args: argparse.Namespace, config):
    """A `Controller` listening on `--bind` for the loaded `config` (its bundle built), once its flags are checked."""
    from eventgen.cluster import bundle as bundles
    from eventgen.cluster.controller import Controller
    from eventgen.rpc.sockets import ZmqServer

    if args.heartbeat <= 0 or args.liveness < 1:
        raise EventgenError("--heartbeat must be above 0 seconds and --liveness at least 1")
    curve = _curve_server(args)
    for sample in config.samples:
        name = str(sample.settings.get("fileName") or "")
        if "file" in (sample.settings.get("outputMode") or []) and "{worker}" not in name:
            log.warning(
                "sample %s: every worker appends to its own %s; put {worker} in fileName when workers share a disk",
                sample.label,
                name,
            )
    bundle = bundles.build(config, common.overrides_from(args), args.sample)
    server = ZmqServer(args.bind, curve)
    logging.getLogger("eventgen.cluster").setLevel(logging.INFO)  # joins and leaves show by default
    print(
        f"eventgen: controller listening on {server.endpoint} ({_auth(args, curve)}); "
        f"bundle {len(bundle['files'])} file(s)",
        file=sys.stderr,
        flush=True,
    )
    return Controller(server, bundle, args.heartbeat, args.liveness)


def _auth(args: argparse.Namespace, curve) -> str:
    if curve is None:
        return "open: --insecure"
    if args.curve_secret_key:
        return "CurveZMQ"
    return f"CurveZMQ, this user's local keys in {curve.authorized_dir}"


# ----- worker ------------------------------------------------------------------------------------


def build_worker(parser: argparse.ArgumentParser) -> None:
    _add_client_keys(parser)
    parser.add_argument("--name", help="worker name (default HOST-PID); `{worker}` in settings becomes it")
    parser.add_argument("--capacity", type=int, default=4, help="jobs held at once: queued + rendering (default 4)")
    parser.add_argument(
        "--patience",
        type=float,
        default=30.0,
        help="exit (status 1) after this many seconds without a word from a controller, before joining and after "
        "(default 30)",
    )


def run_worker(args: argparse.Namespace) -> int:
    from eventgen.cluster.worker import Worker, WorkerOptions, default_name, make_identity

    name = args.name or default_name()
    if not args.patience > 0:
        raise EventgenError(f"--patience must be above 0 seconds, got {args.patience:g}")
    transport = _connect(args, make_identity(name))
    worker = Worker(transport, WorkerOptions(name=name, capacity=max(1, args.capacity), patience=args.patience))
    log.info("worker %s connecting to %s", name, args.connect)
    with handle_signals(worker.stop, worker.made_line):
        return worker.run()


# ----- status ------------------------------------------------------------------------------------


def build_status(parser: argparse.ArgumentParser) -> None:
    _add_client_keys(parser)
    parser.add_argument("--json", action="store_true", help="print the raw status as JSON")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the answer (default 5)")


def run_status(args: argparse.Namespace) -> int:
    import time

    from eventgen.rpc.protocol import MsgType, ProtocolError, decode, encode
    from eventgen.run.report import cluster_line

    transport = _connect(args, f"status-{uuid.uuid4().hex[:8]}".encode())
    try:
        deadline = time.monotonic() + args.timeout
        next_ask = 0.0
        while (left := deadline - time.monotonic()) > 0:
            if time.monotonic() >= next_ask:  # asked again until connected: nothing is queued before that
                transport.send(encode(MsgType.STATUS))
                next_ask = time.monotonic() + 0.5
            envelope = transport.recv(min(left, 0.1))
            if envelope is None or envelope.problem:
                continue
            try:
                message = decode(envelope.data)
            except ProtocolError:
                continue
            if message.type is MsgType.STATUS_REPLY:
                _print_status(message["status"], args.json, cluster_line)
                return EXIT_OK
    finally:
        transport.close()
    print(f"eventgen: no answer from {args.connect} within {args.timeout:g}s", file=sys.stderr)
    return EXIT_FAILED


def _print_status(status: dict, as_json: bool, line) -> None:
    if as_json:
        print(common.dump_json(status))
        return
    print(line(status))
    workers = status["workers"]
    name = max([0] + [len(w["name"]) for w in workers])
    state = max([0] + [len(w["state"]) for w in workers])
    host = max([0] + [len(w["host"]) for w in workers])
    for w in workers:
        print(
            f"  {w['name']:<{name}} {w['state']:<{state}} {w['host']:<{host}} jobs {w['jobs']:>8,}  "
            f"in flight {w['inflight']:>3}  sent {w['sent']:>12,}  failed {w['failed']:,}  refused {w['refused']:,}"
        )


# ----- keys --------------------------------------------------------------------------------------


def build_keys(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    generate = sub.add_parser("generate", help="write a Curve key pair: NAME.key (public), NAME.key_secret")
    generate.add_argument("--dir", default=".", help="folder to write to (default: current)")
    generate.add_argument("--name", help="file name stem (default: this host's name)")


def run_keys(args: argparse.Namespace) -> int:
    from eventgen.rpc.keys import default_key_name, write_key_pair

    check_folder("--dir", args.dir)
    try:
        public, secret = write_key_pair(Path(args.dir), args.name or default_key_name())
    except FileExistsError as exc:
        raise EventgenError(str(exc)) from None
    print(f"public key (share it): {public}\nsecret key (keep it private): {secret}")
    return EXIT_OK
