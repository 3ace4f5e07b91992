"""The plugin compliance kit: what every plugin of a kind must do, checked the same way for the built-ins and for
a user's plugin (Vector's `assert_source_compliance`). Call it from a test:

    check_generator(MyGenerator, sample)           # sample: a loaded Sample whose generator is MyGenerator
    check_input(MySchedule, sample, start)
    check_rater(MyRater, sample)
    check_output(MyOutput, settings, read_back)    # read_back(): what the destination holds, one text per event

Each raises `ComplianceError` (an AssertionError) naming the plugin and what it broke, and returns what it made so a
test can assert more. The checks:
- every plugin: a name, a one-line summary, each declared setting documented, its default parsed by its own parser,
  and a typed, frozen config (`plugin.config_type()`) holding its settings and the core keys it declares;
- generator: `generate(job)` returns a batch of the job (its sample and sequence, times and columns as long as its
  events), of exactly the job's count when the generator declares `exact_count`, the same batch again for the same
  job and seed from a fresh instance;
- input: ticks in time order, each with a non-negative count and a window, explicit timestamps sorted inside it and
  as many as the count; the same ticks again for the same start and seed (none without a live run when on_demand);
- rater: `rate` gives non-negative integers, the same again for the same seed; `factors` one finite factor >= 0 per
  time;
- output: the instance's config is its typed config; it opens, writes and closes against a real destination, every
  event is counted sent with the bytes it put on the wire, `write` reports a WriteResult (or None), and what the
  destination holds afterwards is each event of the batch, once.

`settings_from(plugin, {"key": "text"})` parses settings as a conf gives them, for `check_output`.
"""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np

from eventgen.core.batch import EventBatch, GenerationJob
from eventgen.core.config import Config
from eventgen.core.settings import Setting
from eventgen.plugin.base import GeneratorPlugin, InputPlugin, Plugin, RaterPlugin, Tick
from eventgen.plugin.delivery_checks import Violation, checked_batch, checked_write
from eventgen.plugin.output import Delivery, OutputPlugin
from eventgen.plugin.result import WriteResult

if TYPE_CHECKING:
    from eventgen.conf.sample import Sample

DAY = 86400.0


class ComplianceError(AssertionError):
    """A plugin does not do what its kind promises."""


def _require(ok: object, plugin: type[Plugin], what: str) -> None:
    if not ok:
        raise ComplianceError(f"{plugin.kind} {plugin.name or plugin.__name__}: {what}")


def settings_from(plugin: type[Plugin], raw: Mapping[str, str]) -> dict[str, Any]:
    """Settings as a loaded sample holds them: each text parsed by the declaration in `plugin`'s config (a name it
    does not declare is a ComplianceError)."""
    declared = {s.name: s for s in plugin.config_type().declarations}
    unknown = sorted(set(raw) - set(declared))
    _require(not unknown, plugin, f"declares no setting {', '.join(unknown)}")
    return {name: declared[name].parse(text) for name, text in raw.items()}


def check_declarations(plugin: type[Plugin]) -> type[Config]:
    """Name, summary, documented settings whose defaults parse, and a typed, frozen config type; returns the type."""
    _require(plugin.name and plugin.name.strip() == plugin.name, plugin, "has no name")
    _require(plugin.summary and "\n" not in plugin.summary, plugin, "needs a one-line summary")
    names = [s.name for s in plugin.settings]
    _require(len(names) == len(set(names)), plugin, f"declares a setting twice: {names}")
    for setting in plugin.settings:
        _require(isinstance(setting, Setting), plugin, f"{setting!r} is not a Setting")
        _require(setting.doc.strip(), plugin, f"setting {setting.name} has no doc")
        try:
            setting.default_value()
        except Exception as exc:  # a parser's own error, whatever its type
            problem = f"the default of {setting.name} does not parse: {exc}"
            raise ComplianceError(f"{plugin.kind} {plugin.name}: {problem}") from None
    try:
        kind = plugin.config_type()
    except TypeError as exc:  # a core key the core does not declare
        raise ComplianceError(f"{plugin.kind} {plugin.name}: {exc}") from None
    declared = {s.name for s in kind.declarations}
    _require(set(names) <= declared, plugin, "its config lacks some of its settings")
    _require(set(plugin.core_keys()) <= declared, plugin, "its config lacks some of the core keys it reads")
    return kind


def _check_config(plugin: type[Plugin], instance: Plugin, expected: Config) -> None:
    config = getattr(instance, "config", None)
    if not isinstance(config, plugin.config_type()):
        raise ComplianceError(f"{plugin.kind} {plugin.name}: self.config is {type(config).__name__}, not its config")
    _require(config == expected, plugin, "self.config is not the config of its settings")
    name = next(iter(config.declarations), None)
    if name is not None:
        try:
            setattr(config, name.name, None)
        except AttributeError:
            return
        raise ComplianceError(f"{plugin.kind} {plugin.name}: its config is not frozen")


# -- generators ----------------------------------------------------------------------------------------------------


def check_generator(
    plugin: type[GeneratorPlugin], sample: Sample, count: int = 20, seed: int = 7, when: float = 1_700_000_000.0
) -> EventBatch:
    """Generate one job of `count` events over the hour before `when`; returns the batch."""
    check_declarations(plugin)
    first = plugin(sample)
    _check_config(plugin, first, plugin.config_of(sample.settings))
    job = GenerationJob(sample.label, 3, count, when - 3600.0, when, offset=0, now=when, seed=seed)
    exact = plugin.exact_count(sample)
    try:
        batch = checked_batch(plugin.name, first.generate(job), job, count if exact else None)
    except Violation as exc:
        raise ComplianceError(str(exc)) from None
    _require(len(batch) == count or not exact, plugin, f"made {len(batch)} events for a job of {count}")
    _require(len(batch) > 0, plugin, "made no event")
    again = plugin(sample).generate(job)
    same = again.events == batch.events and np.array_equal(np.asarray(again.times), np.asarray(batch.times))
    _require(same, plugin, "a fresh instance made other events for the same job and seed")
    return batch


# -- inputs --------------------------------------------------------------------------------------------------------


def _schedule(plugin: type[InputPlugin], sample: Sample, now: float) -> InputPlugin:
    return plugin(sample, now)


def check_input(plugin: type[InputPlugin], sample: Sample, start: float, ticks: int = 10, seed: int = 7) -> list[Tick]:
    """The first `ticks` ticks from `start` (the schedule's reference time too); returns them."""
    check_declarations(plugin)
    schedule = _schedule(plugin, sample, start)
    _check_config(plugin, schedule, plugin.config_of(sample.settings))
    made = list(itertools.islice(schedule.ticks(start, np.random.default_rng(seed)), ticks))
    if plugin.on_demand:
        _require(not made, plugin, "on_demand, yet it made ticks without a live run")
        return made
    _require(made, plugin, "made no tick")
    last = -math.inf
    for number, tick in enumerate(made):
        where = f"tick {number}"
        _require(isinstance(tick, Tick), plugin, f"{where} is {type(tick).__name__}, not a Tick")
        _require(_whole(tick.count) and tick.count >= 0, plugin, f"{where}: count {tick.count!r} is no count")
        _require(tick.time >= last, plugin, f"{where} at {tick.time} comes before the one at {last}")
        _require(tick.earliest <= tick.latest, plugin, f"{where}: earliest after latest")
        if tick.timestamps is not None:
            stamps = np.asarray(tick.timestamps)
            _require(len(stamps) == tick.count, plugin, f"{where}: {len(stamps)} timestamps for {tick.count} events")
            _require(np.all(np.diff(stamps) >= 0), plugin, f"{where}: timestamps out of order")
            inside = not len(stamps) or (tick.earliest <= stamps[0] and stamps[-1] <= tick.latest)
            _require(inside, plugin, f"{where}: timestamps outside [earliest, latest]")
        last = tick.time
    again = list(itertools.islice(_schedule(plugin, sample, start).ticks(start, np.random.default_rng(seed)), ticks))
    _require(_same_ticks(made, again), plugin, "another instance made other ticks for the same start and seed")
    return made


def _same_ticks(one: Sequence[Tick], two: Sequence[Tick]) -> bool:
    def key(t: Tick) -> tuple[Any, ...]:
        stamps = None if t.timestamps is None else np.asarray(t.timestamps).tolist()
        return (t.time, t.count, t.earliest, t.latest, stamps)

    return [key(t) for t in one] == [key(t) for t in two]


def _whole(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


# -- raters --------------------------------------------------------------------------------------------------------


def _rater(plugin: type[RaterPlugin], sample: Sample, seed: int) -> RaterPlugin:
    return plugin(sample, seed)


def check_rater(
    plugin: type[RaterPlugin],
    sample: Sample,
    counts: Iterable[int] = (0, 1, 10, 1000),
    start: float = 1_700_000_000.0,
    seed: int = 7,
) -> list[int]:
    """Rate each of `counts` at hourly times over a day from `start`; returns the rates."""
    check_declarations(plugin)
    rater = _rater(plugin, sample, seed)
    _check_config(plugin, rater, plugin.config_of(sample.settings))
    asks = [(count, start + hour * 3600.0) for hour in range(0, 24, 5) for count in counts]

    def rates(made: RaterPlugin) -> list[int]:
        rng = np.random.default_rng(seed)
        return [made.rate(count, when, rng) for count, when in asks]

    got = rates(rater)
    for (count, when), rate in zip(asks, got, strict=True):
        _require(_whole(rate) and rate >= 0, plugin, f"rate({count}, {when}) is {rate!r}, not an integer >= 0")
    _require(rates(_rater(plugin, sample, seed)) == got, plugin, "another instance rated otherwise with the same seed")
    times = start + np.arange(0, DAY, 600.0)
    factors = np.asarray(rater.factors(times))
    _require(factors.shape == times.shape, plugin, f"factors() gave {factors.shape} for {times.shape} times")
    _require(np.all(np.isfinite(factors) & (factors >= 0)), plugin, "factors() gave a factor that is not >= 0")
    return got


# -- outputs -------------------------------------------------------------------------------------------------------


def compliance_batch(count: int = 25, sample: str = "compliance", when: float = 1_700_000_000.0) -> EventBatch:
    """A batch of `count` distinct events (`compliance event N <id>`) for `check_output`."""
    run = uuid.uuid4().hex[:12]
    events = [f"compliance event {i} {run}" for i in range(count)]
    meta = {"host": "compliance-host", "source": "compliance.log", "sourcetype": "compliance", "index": "main"}
    return EventBatch(sample, 0, events, when + np.arange(count, dtype=float), meta)


def check_output(
    plugin: type[OutputPlugin],
    settings: Mapping[str, Any],
    read_back: Callable[[], Sequence[str]] | None,
    batch: EventBatch | None = None,
) -> Delivery:
    """Deliver `batch` (default: `compliance_batch()`) to an instance configured by `settings`, close it, and compare
    what `read_back()` finds at the destination (None: a destination that keeps nothing, such as devnull). Returns
    the Delivery."""
    check_declarations(plugin)
    config = plugin.config_of(settings)
    _require(config == plugin.config_of(dict(settings)), plugin, "configs of equal settings differ")
    problems = plugin.check(config)
    _require(not problems, plugin, f"check() refuses the settings given: {problems}")
    output = plugin(config)
    _check_config(plugin, output, config)
    batch = compliance_batch() if batch is None else batch
    answers: list[Any] = []
    write = output.write

    def recorded(payload: Any) -> Any:
        answers.append(answer := write(payload))
        return answer

    output.write = recorded  # type: ignore[method-assign]  # the kit watches what write returns
    try:
        delivery = output.deliver(batch)
    finally:
        closing = output.shutdown()
    n = len(batch)
    _require(not closing, plugin, f"closing failed: {closing}")
    _require(isinstance(delivery, Delivery), plugin, f"deliver gave {type(delivery).__name__}")
    _require((delivery.sent, delivery.failed) == (n, 0), plugin, f"sent {delivery.sent} of {n}: {delivery.error}")
    _require(delivery.bytes > 0, plugin, "counted no byte for a batch it sent")
    _require(answers, plugin, "write was never called")
    for answer in answers:
        _require(answer is None or isinstance(answer, WriteResult), plugin, f"write returned {answer!r}")
        checked_write(output.label, answer, n)
    if read_back is not None:
        held = list(read_back())
        _require(len(held) == n, plugin, f"the destination holds {len(held)} event(s) of {n}")
        missing = list(batch.events)
        for found in held:  # each record holds exactly one event of the batch, and each event is in one record
            inside = [event for event in missing if event in found]
            _require(len(inside) == 1, plugin, f"the destination holds {found!r}, not one event of the batch")
            missing.remove(inside[0])
    return delivery
