"""Relations: from coded reports to what an analyst asks about a pair of countries.

* :func:`merge_events` - reports of one real-world event -> one merged event (tables
  ``merged_events`` and ``event_merge_members``); analytics count merged events by default.
* :func:`dyad_series` - per-period counts, Goldstein and the net cooperation index of a dyad.
* :func:`dyad_shifts` / :func:`find_shifts` - change points, labelled warming or cooling.
* :func:`dimensions_of` - diplomatic, military, economic(:sub), sanctions, humanitarian.
* :func:`reactions` - third parties' events aimed at a dyad's members near its events.
* :func:`alignment_graph`, :func:`blocs`, :func:`align` - the cooperation network and blocs.

Definitions (net cooperation index, merge rules, penalties, windows) are in docs/relations.md.
"""
from .alignment import Alignment, Partner, align, alignment_graph, blocs, pair_stats
from .common import (DEFAULT_MODALITIES, EventSummary, RelationsError, is_symmetric, net_coop)
from .dimensions import DIMENSIONS, ECONOMIC_SUBTAGS, dimensions_of, primary_dimension
from .merge import MergeReport, merge_events, merge_lag, merged_members, unmerged_reports
from .reactions import Reaction, ReactorSummary, reactions, summarise_reactions
from .series import FREQS, Period, dyad_series, series_rows, top_events
from .shifts import Shift, bic_penalty, change_points, dyad_shifts, find_shifts

__all__ = [
    "merge_events", "MergeReport", "merged_members", "unmerged_reports", "merge_lag",
    "dyad_series", "top_events", "Period", "series_rows", "FREQS",
    "dyad_shifts", "find_shifts", "change_points", "bic_penalty", "Shift",
    "dimensions_of", "primary_dimension", "DIMENSIONS", "ECONOMIC_SUBTAGS",
    "reactions", "summarise_reactions", "Reaction", "ReactorSummary",
    "alignment_graph", "blocs", "align", "pair_stats", "Alignment", "Partner",
    "EventSummary", "RelationsError", "DEFAULT_MODALITIES", "net_coop", "is_symmetric",
]
