"""perDayVolume over one day, by bytes on disk, for every generator and many seeds (within 2%).

Each case is a historical day (`-b -1d` to `--now`, timeMode = sample) written to a file whose size is compared
with perDayVolume. Seeds run in parallel subprocesses so that the whole file stays within a few seconds a case.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import cli, write_conf

pytestmark = pytest.mark.e2e

SEEDS = range(1, 11)
NOW = "2024-01-02T00:00:00"
COMMON = "interval = 60\ntimezone = utc\ntimeMode = sample\noutputMode = file\nfileName = out.log\n"


def day_ratios(folder: Path, volume: float = 0.005) -> dict[int, float]:
    """Bytes written over one day / perDayVolume (GB, small to keep runs short), per seed, each seed in its own
    copy of `folder` whose conf gets `perDayVolume = volume`."""
    conf = folder / "eventgen.conf"
    conf.write_text(conf.read_text() + f"perDayVolume = {volume}\n")

    def one(seed: int) -> float:
        where = folder / f"seed{seed}"
        where.mkdir()
        for item in folder.iterdir():
            if item.is_file():
                (where / item.name).write_bytes(item.read_bytes())
            elif item.is_dir() and not item.name.startswith("seed"):
                (where / item.name).symlink_to(item)
        result = cli(
            "eventgen.conf", "-b", "-1d", "-e", "now", "--now", NOW, "--seed", str(seed), "--status-interval", "0",
            cwd=where,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return (where / "out.log").stat().st_size / (volume * 2**30)

    with ThreadPoolExecutor(4) as pool:
        return dict(zip(SEEDS, pool.map(one, SEEDS), strict=True))


def assert_on_target(ratios: dict[int, float]) -> None:
    off = {seed: round(r, 4) for seed, r in ratios.items() if abs(r - 1) >= 0.02}
    assert not off, f"seeds off target by 2% or more: {off}"


def test_jinja_template_printing_isoformat_meets_the_volume(tmp_path: Path) -> None:
    """The probe used to render with microseconds while events fall on whole-second ticks (0.93 of target)."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.j2").write_text(
        "{{ timestamp.isoformat() }} host=web{{ range(1, 9) | random }} action=login user=alice status=200\n"
    )
    write_conf(tmp_path, '[t]\ngenerator = jinja\njinjaTemplates = {"t": "t.j2"}\njinjaOutput = text\n' + COMMON)
    assert_on_target(day_ratios(tmp_path, 0.002))  # events of ~90 bytes: 2 MiB is already 23,000 a day


def test_random_picks_from_a_skewed_sample_meet_the_volume(tmp_path: Path) -> None:
    """One 3,000-byte line among four short ones, picked at random: the count follows the bytes really made."""
    (tmp_path / "skew.log").write_text("x" * 3000 + "\n" + "".join(f"short line {i} val=N\n" for i in range(4)))
    tokens = "token.0.token = N\ntoken.0.replacementType = random\ntoken.0.replacement = integer[1:100000]\n"
    write_conf(tmp_path, "[skew\\.log]\nsampleDir = .\nrandomizeEvents = true\n" + tokens + COMMON)
    assert_on_target(day_ratios(tmp_path))


def test_replay_generator_on_an_interval_schedule_meets_the_volume(tmp_path: Path) -> None:
    (tmp_path / "rep.log").write_text(
        "2024-01-01 00:00:00 a short one\n"
        f"2024-01-01 00:00:01 a much longer line {'with many more words in it ' * 20}than the others\n"
        f"2024-01-01 00:00:05 a middle-sized line {'word ' * 30}\n"
    )
    tokens = (
        "token.0.token = \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\ntoken.0.replacementType = timestamp\n"
        "token.0.replacement = %Y-%m-%d %H:%M:%S\n"
    )
    write_conf(tmp_path, "[rep\\.log]\nsampleDir = .\ngenerator = replay\ninput = interval\n" + tokens + COMMON)
    assert_on_target(day_ratios(tmp_path))
