"""Live rate control in memory: shapes read and played, the clock's speed and restamping, RateControl's base and
speed, and the knee search's decisions against a simulated destination of known capacity."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from eventgen.core.batch import GenerationJob
from eventgen.core.shapes import Segment, Shape, ShapeError, parse_shape
from eventgen.run.accounting import Stats
from eventgen.run.knee import Hold, KneePlan, KneeSearch
from eventgen.run.rate import RateControl, RateError
from eventgen.schedule.clock import Clock
from eventgen.schedule.pacing import Feeder

# ----- shapes ---------------------------------------------------------------------------------------


def test_a_shape_reads_steps_and_ramps_and_writes_itself_back() -> None:
    shape = parse_shape("1000@10s, 100..5000@1m,20@500ms,7@2h")
    assert shape.segments == (
        Segment(1000, 1000, 10),
        Segment(100, 5000, 60),
        Segment(20, 20, 0.5),
        Segment(7, 7, 7200),
    )
    assert shape.seconds == 7270.5
    assert shape.text() == "1000@10s,100..5000@60s,20@0.5s,7@7200s"
    assert parse_shape(shape.text()) == shape


def test_a_shape_gives_each_moment_its_rate_and_holds_the_last_one() -> None:
    shape = parse_shape("1000@10s,100..5000@60s")
    assert [shape.rate_at(t) for t in (0, 9.99, 10, 40, 70, 1000)] == pytest.approx([1000, 1000, 100, 2550, 5000, 5000])
    assert not shape.ended(69.9) and shape.ended(70)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty shape: expected RATE@DURATION (a step) or FROM..TO@DURATION (a ramp)"),
        ("1000", "segment 1 '1000': expected RATE@DURATION"),
        ("10@1s,x@1s", "segment 2 'x@1s': rate 'x' is not a number of events/s"),
        ("10@x", "segment 1 '10@x': duration 'x' is not a time such as 10s, 2m, 1h or 500ms"),
        ("0@1s", "segment 1 '0@1s': rate '0' must be a finite number of events/s above 0"),
        ("5..inf@1s", "segment 1 '5..inf@1s': rate 'inf' must be a finite number of events/s above 0"),
        ("5@0s", "segment 1 '5@0s': the duration must be above 0 seconds"),
        ("5@1s@2s", "segment 1 '5@1s@2s': expected RATE@DURATION"),
    ],
)
def test_a_shape_that_is_not_one_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ShapeError) as caught:
        parse_shape(text)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


# ----- the clock ------------------------------------------------------------------------------------


def test_a_new_speed_keeps_the_plan_time_reached_and_moves_later_dues() -> None:
    clock = Clock(1000.0, mono=50.0)
    assert clock.monotonic(1010.0) == 60.0 and not clock.warped
    clock.set_speed(2.0, at=55.0)  # plan time 1005 reached at monotonic 55
    assert clock.monotonic(1005.0) == 55.0 and clock.monotonic(1010.0) == 57.5 and clock.warped
    clock.set_speed(0.5, at=57.5)  # plan time 1010 at 57.5
    assert clock.monotonic(1011.0) == 59.5
    assert clock.epoch(1011.0) == 1009.5  # the wall time it goes out at: 9.5 s after the start
    with pytest.raises(ValueError, match="above 0"):
        clock.set_speed(0.0)


def test_released_jobs_are_restamped_with_the_wall_time_they_go_out_at() -> None:
    clock = Clock(1000.0, mono=50.0)
    window = GenerationJob("s", 0, 3, 998.0, 1000.0, now=1000.0)
    assert clock.retime(window, 1000.0) is window  # never steered: untouched
    clock.set_speed(2.0, at=50.0)
    stamped = GenerationJob("s", 1, 3, 1002.0, 1003.0, now=1003.0, timestamps=np.array([1002.0, 1002.5, 1003.0]))
    moved = clock.retime(stamped, 1003.0)
    assert moved.timestamps.tolist() == [1001.0, 1001.25, 1001.5]  # twice as dense, from the start
    assert (moved.earliest, moved.latest, moved.now) == (1001.0, 1001.5, 1001.5)
    shifted = clock.retime(GenerationJob("s", 2, 3, 1008.0, 1010.0, now=1010.0), 1010.0)
    assert (shifted.earliest, shifted.latest, shifted.now) == (1003.0, 1005.0, 1005.0)  # moved, same width


def test_rebase_forgives_what_the_plan_fell_behind() -> None:
    clock = Clock(1000.0, mono=50.0)
    clock.rebase(990.0, at=60.0)  # the slowest schedule had reached 990 at 60 (10 s behind)
    assert clock.monotonic(991.0) == 61.0 and clock.warped
    clock.rebase(1000.0, at=60.0)  # ahead of the plan's present: nothing to forgive
    assert clock.monotonic(991.0) == 61.0


# ----- RateControl ----------------------------------------------------------------------------------


def feeder(clock: Clock) -> Feeder:
    return Feeder("s", [], lambda job, due: True, clock, threading.Event())


def test_a_target_becomes_the_speed_over_the_exact_base() -> None:
    control, clock = RateControl(Stats()), Clock(time.time())
    assert control.set_rate(3000).pending  # no run yet: kept until it is attached
    control.attach(clock, [feeder(clock), feeder(clock)], [400.0, 600.0])
    reading = control.current()
    assert (reading.target, reading.base, reading.speed) == (3000, 1000, 3.0)
    assert control.set_rate(500).speed == 0.5
    for bad in (0, -1, float("inf"), float("nan")):
        with pytest.raises(RateError, match="finite number of events/s above 0"):
            control.set_rate(bad)


def test_a_measured_base_waits_for_half_a_plan_second_of_jobs() -> None:
    control, clock = RateControl(Stats()), Clock(1000.0)
    measured = feeder(clock)
    control.attach(clock, [measured], [None])
    control.set_rate(100)
    assert control.current().base is None and clock.speed == 1.0  # pending
    measured.planned_until, measured.paced_events = 1002.0, 50  # 25 events/s planned so far
    control.update(time.monotonic() + 1)
    assert control.current().base == 25.0 and clock.speed == 4.0


def test_a_volume_is_converted_at_the_measured_event_size() -> None:
    from eventgen.core.delta import JobDelta

    stats = Stats()
    control, clock = RateControl(stats), Clock(time.time())
    control.attach(clock, [feeder(clock)], [100.0])
    with pytest.raises(RateError, match="none was sent yet"):
        control.set_volume(1.0)
    delta = JobDelta()
    delta.made("s", 1000)
    delta.delivered("s", "tcpout", 1000, 0, 1000 * 512)
    stats.merge(delta)
    reading = control.set_volume(1.0)  # 2³⁰ bytes a day at 512 bytes an event
    assert reading.target == pytest.approx(2**30 / 86400 / 512)


def test_a_shape_is_followed_by_the_engine_loop() -> None:
    control, clock = RateControl(Stats()), Clock(time.time())
    control.attach(clock, [feeder(clock)], [100.0])
    control.set_shape(Shape((Segment(100, 100, 1), Segment(1000, 3000, 2))))
    assert clock.speed == 1.0 and control.current().shape == "100@1s,1000..3000@2s"
    control.update(time.monotonic() + 2.0)  # one second into the ramp
    assert clock.speed == pytest.approx(20.0, rel=0.01)
    control.update(time.monotonic() + 9.0)
    assert clock.speed == pytest.approx(30.0) and control.current().target == 3000
    control.set_rate(50)  # a rate set by hand ends the shape
    assert control.current().shape is None and clock.speed == 0.5


def test_a_shape_asks_for_its_area_in_events() -> None:
    shape = parse_shape("500@2s,1500@2s,500..2500@2s")
    moments = (0, 1, 2, 4, 5, 6, 8)
    assert [shape.events_until(t) for t in moments] == pytest.approx([0, 500, 1000, 4000, 5000, 7000, 12000])


def test_a_shape_sampled_late_keeps_the_clock_on_its_area() -> None:
    """However late and unevenly the engine loop samples it, the plan time reached is where the shape's events
    put it: a run makes the shape's area in events, not the area of a staircase drawn behind it."""
    start = time.monotonic()
    control, clock = RateControl(Stats()), Clock(1000.0, mono=start)
    control.attach(clock, [feeder(clock)], [500.0])
    control.set_shape(parse_shape("500@2s,1500@2s,500..2500@2s"))
    began = control._shape_started  # the shape's moment 0 (set_shape's present)
    control.update(began)  # the course starts at the plan time reached then
    origin = clock.wall(began)
    for moment in (0.3, 1.9, 2.45, 3.9, 4.05, 5.3, 6.0):  # late and uneven, as on a loaded machine
        control.update(began + moment)
    events = (clock.wall(began + 6.0) - origin) * 500.0  # plan seconds x the plan's own rate
    assert events == pytest.approx(7000, abs=1e-6) and clock.speed == pytest.approx(5.0)


# ----- the knee search ------------------------------------------------------------------------------


def destination(capacity: float, buffer: float):
    """A simulated output of `capacity` events/s behind `buffer` events of buffers that start empty: a hold at
    `rate` for `seconds` achieves what the buffers hide plus the capacity."""
    state = {"free": buffer}

    def hold(rate: float, seconds: float = 2.0) -> Hold:
        excess = (rate - capacity) * seconds
        hidden = min(max(excess, 0.0), state["free"])
        state["free"] -= hidden
        if rate < capacity:
            state["free"] = min(buffer, state["free"] + (capacity - rate) * seconds)
        made = min(rate, capacity) * seconds + hidden
        achieved = made / seconds
        broke = "" if achieved >= 0.95 * rate else "achieved"
        return Hold(rate, seconds, achieved, 0, 0, 0.0, broke)

    return hold


def play(knee: KneeSearch, hold) -> list[float]:
    rates = []
    while (rate := knee.next_rate()) is not None:
        rates.append(round(rate, 1))
        knee.record(hold(rate))
    return rates


def test_the_knee_ramps_then_bisects_to_the_stated_precision() -> None:
    knee = KneeSearch(KneePlan(start=100, step=2, precision=0.05))
    rates = play(knee, destination(1000, 0))
    assert rates[:5] == [100, 200, 400, 800, 1600]  # ramped while each held
    assert rates[5] == pytest.approx(1000 * 0.975, abs=0.1)  # just under what the outputs took at 1600
    assert knee.found is not None and 950 <= knee.found <= 1000 * 1.0526
    assert knee.worst is not None and knee.worst <= knee.found * 1.05


def test_rates_held_while_buffers_filled_are_held_again_before_they_count() -> None:
    knee = KneeSearch(KneePlan(start=400, step=1.5, precision=0.05))
    rates = play(knee, destination(1000, 1500))  # 1,500 events of buffers hide 1,350 and 2,025 on the way up
    assert rates[:6] == [400, 600, 900, 1350, 2025, 1365]  # 2,025 broke taking 1,400/s with the buffers filling
    assert knee.holds[3].held and not knee.holds[4].held and not knee.holds[5].held  # full now: 1,365 breaks
    assert knee.found is not None and abs(knee.found - 1000) <= 0.06 * 1000


def test_a_start_that_breaks_steps_down_and_a_max_rate_ends_the_ramp() -> None:
    knee = KneeSearch(KneePlan(start=4000, step=2, precision=0.1))
    play(knee, destination(300, 0))
    assert knee.holds[0].rate == 4000 and not knee.holds[0].held
    assert knee.found is not None and 270 <= knee.found <= 300 * 1.053
    capped = KneeSearch(KneePlan(start=100, step=2, max_rate=500))
    assert play(capped, destination(10_000, 0)) == [100, 200, 400, 500] and capped.found == 500


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (KneePlan(start=0), "start must be a finite number above 0"),
        (KneePlan(start=10, step=1), "step must be a factor above 1"),
        (KneePlan(start=10, hold=0), "hold must be a finite number above 0"),
        (KneePlan(start=10, max_rate=5), "max rate 5 is below the start rate 10"),
    ],
)
def test_a_knee_plan_that_cannot_run_is_refused(plan: KneePlan, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan.check()


def test_after_a_slow_down_no_job_is_dated_before_an_earlier_one() -> None:
    """A slow-down maps the plan's past further back: a late job's due time must still not go before the jobs
    already queued (that inversion had stopped the dispatcher's catch-up clock for good)."""
    from eventgen.schedule.plan import PlannedJob

    clock = Clock(1000.0, mono=time.monotonic() - 10)  # the plan started 10 s ago: every job below is late
    dues: list[float | None] = []

    def jobs():
        for seq in range(6):
            if seq == 3:
                clock.set_speed(0.25)  # four times slower from here on
            yield PlannedJob(GenerationJob("s", seq, 1, 1000.0 + seq, 1000.0 + seq, now=1000.0 + seq), 1000.0 + seq)

    Feeder("s", jobs(), lambda job, due: dues.append(due) is None, clock, threading.Event()).run()
    stamped = [d for d in dues if d is not None]
    assert len(stamped) == 6 and stamped == sorted(stamped)
