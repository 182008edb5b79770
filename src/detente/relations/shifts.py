"""Shifts: change points in a dyad's net cooperation index, each labelled warming or cooling.

Method: PELT (ruptures) on changes in the mean of the index, run over the periods that have
events (an empty month says nothing about the relationship, and filling it with 0 would make
"news stopped" look like a shift to neutrality).  The cost is least squares weighted by each
period's number of events: the index of a month with 20 events is four times noisier (in
variance) than one with 80, so a quiet month's swing must not pass for a shift.  Weights are
scaled to mean 1, so with equal volumes this is plain L2.

Penalty: the modified BIC (Zhang & Siegmund 2007; the default of R's changepoint package),
``3 * sigma^2 * ln(n)``, where ``n`` is the number of periods and ``sigma`` the noise level (at
average volume) estimated robustly from first differences: the
median absolute deviation of ``(x[i+1] - x[i]) / sqrt(1/w[i] + 1/w[i+1])`` divided by 0.6745.
Differencing removes the segment means, so the shifts being looked for do not inflate the noise
estimate.  A floor on sigma (``MIN_SIGMA``) keeps a perfectly clean series from splitting on
rounding.

A shift's size is the difference of the mean index of the segment it opens and the segment it
closes (event-weighted): positive is warming, negative cooling.  Its drivers are the strongest
events of the new segment's first periods whose Goldstein sign matches the direction of the
shift.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import numpy as np

from .common import DEFAULT_MODALITIES, EventSummary, RelationsError, Source
from .series import Period, dyad_series, top_events

MIN_SIGMA = 0.05
BIC_FACTOR = 3.0
DRIVER_PERIODS = 2
N_DRIVERS = 3


@dataclass
class Shift:
    start: dt.date               # first period of the new segment
    label: str                   # "warming" or "cooling"
    size: float                  # after - before (net cooperation index)
    before: float                # mean index of the segment before
    after: float                 # mean index of the segment it opens
    before_span: tuple[dt.date, dt.date]  # first and last period start of each segment
    after_span: tuple[dt.date, dt.date]
    drivers: list[EventSummary] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(), "label": self.label, "size": round(self.size, 4),
            "before": round(self.before, 4), "after": round(self.after, 4),
            "before_span": [d.isoformat() for d in self.before_span],
            "after_span": [d.isoformat() for d in self.after_span],
            "drivers": [e.to_dict() for e in self.drivers],
        }


def _weights(n: int, weights: Optional[Iterable[float]]) -> np.ndarray:
    w = np.ones(n) if weights is None else np.asarray(list(weights), dtype=float)
    if len(w) != n or np.any(w <= 0):
        raise RelationsError("weights: one positive weight per period")
    return w / w.mean()


def noise_sigma(signal: np.ndarray, weights: Optional[Iterable[float]] = None) -> float:
    """Robust noise level, at average weight, of a piecewise-constant-plus-noise signal (MAD of
    first differences, each scaled by its own standard deviation)."""
    if len(signal) < 3:
        return MIN_SIGMA
    w = _weights(len(signal), weights)
    diffs = np.diff(signal) / np.sqrt(1.0 / w[:-1] + 1.0 / w[1:])
    mad = float(np.median(np.abs(diffs - np.median(diffs))))
    return max(mad / 0.6745, MIN_SIGMA)


def bic_penalty(signal: np.ndarray, weights: Optional[Iterable[float]] = None) -> float:
    """The penalty PELT uses by default, modified BIC: ``3 * sigma^2 * ln(n)`` (plain BIC's 2
    finds a change of one standard deviation in thirty periods of pure noise)."""
    return BIC_FACTOR * noise_sigma(signal, weights) ** 2 * math.log(max(len(signal), 2))


class WeightedL2:
    """ruptures cost: weighted least squares around the segment's weighted mean, in O(1) per
    segment from cumulative sums.  ``fit`` takes a (n, 2) array of values and weights."""

    model = "weighted_l2"
    min_size = 1

    def fit(self, signal: np.ndarray) -> "WeightedL2":
        self.signal = signal  # ruptures reads the sample count from it
        x, w = signal[:, 0], signal[:, 1]
        zero = np.zeros(1)
        self.sw = np.concatenate([zero, np.cumsum(w)])
        self.swx = np.concatenate([zero, np.cumsum(w * x)])
        self.swxx = np.concatenate([zero, np.cumsum(w * x * x)])
        return self

    def error(self, start: int, end: int) -> float:
        sw = self.sw[end] - self.sw[start]
        swx = self.swx[end] - self.swx[start]
        return float(self.swxx[end] - self.swxx[start] - swx * swx / sw)


def change_points(signal: Iterable[float], *, weights: Optional[Iterable[float]] = None,
                  penalty: Optional[float] = None, min_size: int = 2) -> list[int]:
    """Indices where a new segment starts (PELT, weighted L2 cost); empty when the series is
    too short."""
    import ruptures as rpt
    from ruptures.base import BaseCost

    x = np.asarray(list(signal), dtype=float)
    if len(x) < 2 * min_size:
        return []
    w = _weights(len(x), weights)
    pen = bic_penalty(x, w) if penalty is None else float(penalty)
    BaseCost.register(WeightedL2)  # ruptures checks isinstance(custom_cost, BaseCost)
    algo = rpt.Pelt(custom_cost=WeightedL2(), min_size=min_size, jump=1)
    ends = algo.fit(np.column_stack([x, w])).predict(pen=pen)
    return [i for i in ends if i < len(x)]


def find_shifts(periods: list[Period], *, penalty: Optional[float] = None, min_size: int = 2,
                driver_periods: int = DRIVER_PERIODS, n_drivers: int = N_DRIVERS,
                min_events: int = 1) -> list[Shift]:
    """Shifts in an already computed series (periods with fewer than ``min_events`` events, or
    no scored event, are skipped).  Drivers come from the periods' ``top_events``, so compute
    the series with enough of them (``dyad_shifts`` asks for 10 a period)."""
    used = [p for p in periods if p.net_coop is not None and p.n_events >= min_events]
    signal = [p.net_coop for p in used]
    weights = [float(p.n_events) for p in used]
    cuts = change_points(signal, weights=weights, penalty=penalty, min_size=min_size)
    bounds = [0] + cuts + [len(used)]
    shifts: list[Shift] = []
    for k in range(1, len(bounds) - 1):
        lo, mid, hi = bounds[k - 1], bounds[k], bounds[k + 1]
        before = float(np.average(signal[lo:mid], weights=weights[lo:mid]))
        after = float(np.average(signal[mid:hi], weights=weights[mid:hi]))
        size = after - before
        label = "warming" if size > 0 else "cooling"
        candidates = [e for p in used[mid:min(hi, mid + driver_periods)] for e in p.top_events]
        sign = 1.0 if size > 0 else -1.0
        matching = [e for e in candidates if (e.goldstein or 0.0) * sign > 0]
        drivers = sorted(matching or candidates,
                         key=lambda e: (-e.score, -e.n_reports, e.event_day or dt.date.min, e.id))
        shifts.append(Shift(start=used[mid].start, label=label, size=size, before=before,
                            after=after, before_span=(used[lo].start, used[mid - 1].start),
                            after_span=(used[mid].start, used[hi - 1].start),
                            drivers=drivers[:n_drivers]))
    return shifts


def dyad_shifts(source: Source, a: str, b: str, start: Any = None, end: Any = None,
                freq: str = "month", directed: bool = False, reports: bool = False,
                modalities: Iterable[str] = DEFAULT_MODALITIES, *,
                penalty: Optional[float] = None, min_size: int = 2,
                driver_periods: int = DRIVER_PERIODS, n_drivers: int = N_DRIVERS,
                min_events: int = 1) -> list[Shift]:
    """Change points in the dyad's series (see :func:`dyad_series` for the arguments).

    The series is computed without top events; each shift's drivers are then read with one
    small query over the first ``driver_periods`` periods of its new segment."""
    if min_size < 1:
        raise RelationsError("min_size: must be at least 1")
    periods = dyad_series(source, a, b, start, end, freq=freq, directed=directed,
                          reports=reports, modalities=modalities, top=0)
    shifts = find_shifts(periods, penalty=penalty, min_size=min_size, n_drivers=n_drivers,
                         min_events=min_events, driver_periods=driver_periods)
    used = [p for p in periods if p.net_coop is not None and p.n_events >= min_events]
    for s in shifts:
        opening = [p for p in used if p.start >= s.start][:max(driver_periods, 1)]
        last = opening[-1].end - dt.timedelta(days=1)
        s.drivers = top_events(source, a, b, s.start, last, k=n_drivers, directed=directed,
                               reports=reports, modalities=modalities,
                               sign=1 if s.size > 0 else -1)
    return shifts
