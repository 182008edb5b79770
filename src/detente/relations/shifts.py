"""Shifts: change points in a dyad's net cooperation index, each labelled warming or cooling.

Method: PELT (ruptures) with the L2 cost, i.e. changes in the mean of the index, run over the
periods that have events (an empty month says nothing about the relationship, and filling it
with 0 would make "news stopped" look like a shift to neutrality).

Penalty: a BIC-type rule, ``2 * sigma^2 * ln(n)``, where ``n`` is the number of periods and
``sigma`` the noise level estimated robustly from first differences (the median absolute
deviation of ``x[i+1] - x[i]`` divided by 0.6745 * sqrt 2; differencing removes the segment
means, so the shifts being looked for do not inflate the noise estimate).  A floor on sigma
(``MIN_SIGMA``) keeps a perfectly clean series from splitting on rounding.

A shift's size is the difference of the mean index of the segment it opens and the segment it
closes: positive is warming, negative cooling.  Its drivers are the strongest events of the new
segment's first periods whose Goldstein sign matches the direction of the shift.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import numpy as np

from .common import DEFAULT_MODALITIES, EventSummary, RelationsError, Source
from .series import Period, dyad_series

MIN_SIGMA = 0.05
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


def noise_sigma(signal: np.ndarray) -> float:
    """Robust noise level of a piecewise-constant-plus-noise signal (MAD of first differences)."""
    if len(signal) < 3:
        return MIN_SIGMA
    diffs = np.diff(signal)
    mad = float(np.median(np.abs(diffs - np.median(diffs))))
    return max(mad / (0.6745 * math.sqrt(2)), MIN_SIGMA)


def bic_penalty(signal: np.ndarray) -> float:
    """The penalty PELT uses by default: ``2 * sigma^2 * ln(n)``."""
    return 2.0 * noise_sigma(signal) ** 2 * math.log(max(len(signal), 2))


def change_points(signal: Iterable[float], *, penalty: Optional[float] = None,
                  min_size: int = 2) -> list[int]:
    """Indices where a new segment starts (PELT, L2 cost); empty when the series is too short."""
    import ruptures as rpt

    x = np.asarray(list(signal), dtype=float)
    if len(x) < 2 * min_size:
        return []
    pen = bic_penalty(x) if penalty is None else float(penalty)
    ends = rpt.Pelt(model="l2", min_size=min_size, jump=1).fit(x).predict(pen=pen)
    return [i for i in ends if i < len(x)]


def find_shifts(periods: list[Period], *, penalty: Optional[float] = None, min_size: int = 2,
                driver_periods: int = DRIVER_PERIODS, n_drivers: int = N_DRIVERS,
                min_events: int = 1) -> list[Shift]:
    """Shifts in an already computed series (periods with fewer than ``min_events`` events, or
    no scored event, are skipped).  Drivers come from the periods' ``top_events``, so compute
    the series with enough of them (``dyad_shifts`` asks for 10 a period)."""
    used = [p for p in periods if p.net_coop is not None and p.n_events >= min_events]
    signal = [p.net_coop for p in used]
    cuts = change_points(signal, penalty=penalty, min_size=min_size)
    bounds = [0] + cuts + [len(used)]
    shifts: list[Shift] = []
    for k in range(1, len(bounds) - 1):
        lo, mid, hi = bounds[k - 1], bounds[k], bounds[k + 1]
        before = float(np.mean(signal[lo:mid]))
        after = float(np.mean(signal[mid:hi]))
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
                n_drivers: int = N_DRIVERS, min_events: int = 1) -> list[Shift]:
    """Change points in the dyad's series (see :func:`dyad_series` for the arguments)."""
    if min_size < 1:
        raise RelationsError("min_size: must be at least 1")
    periods = dyad_series(source, a, b, start, end, freq=freq, directed=directed,
                          reports=reports, modalities=modalities, top=10)
    return find_shifts(periods, penalty=penalty, min_size=min_size, n_drivers=n_drivers,
                       min_events=min_events)
