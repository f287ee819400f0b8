"""The load benchmark's verdict (``bench.quiz_load.verdicts``): medians of the
rounds and the median of each round's bare/quiz ratio against the targets."""

from __future__ import annotations

from bench.quiz_load import LoadResult, verdicts


def _run(kind: str, rate: float, round_: int, *, p99: float = 50, errors: int = 0):
    result = LoadResult(
        benchmark=kind,
        database="PostgreSQL",
        rows=int(rate * 10),
        seconds=[10.0],
        peak_rss_mib=0,
        kind=kind,
        config="sync",
        p99_ms=p99,
        errors=errors,
    )
    result.extra["round"] = round_
    return result


def _rounds(pairs, **quiz):
    out = []
    for number, (bare, quiz_rate) in enumerate(pairs, start=1):
        out += [_run("bare", bare, number), _run("quiz", quiz_rate, number, **quiz)]
    return out


def test_met_when_every_target_is_met_by_the_medians():
    verdict = verdicts(_rounds([(1500, 600), (1400, 520), (1800, 640)]))["sync"]
    assert verdict["rate"] == 600
    assert verdict["bare"] == 1500
    assert round(verdict["ratio"], 2) == 2.69  # 1400 / 520, the middle ratio
    assert verdict["met"] is True


def test_missed_when_the_paired_ratio_is_above_three():
    verdict = verdicts(_rounds([(2000, 600), (1900, 560), (2100, 640)]))["sync"]
    assert verdict["met_rate"] is True
    assert verdict["met_ratio"] is False
    assert verdict["met"] is False


def test_missed_below_500_per_second_or_with_errors_or_a_slow_p99():
    slow = verdicts(_rounds([(1200, 450), (1200, 480), (1200, 490)]))["sync"]
    assert not slow["met_rate"] and not slow["met"]
    late = verdicts(_rounds([(1200, 600)] * 3, p99=120))["sync"]
    assert not late["met_p99"] and not late["met"]
    failing = verdicts(_rounds([(1200, 600)] * 3, errors=1))["sync"]
    assert failing["errors"] == 3 and not failing["met"]
