"""Refresh the datasets from the public sources, never replacing good data with bad.

* ``run``: the refresh itself (fetch, parse, build a candidate snapshot, review, switch);
* ``adapters``: the refreshable sources and the tables each declares;
* ``validate``: the review of a candidate snapshot against the active one (the contract).
"""

from raw_scan.refresh.adapters import ADAPTERS, DEFAULT_IDS, SOURCE_IDS, Adapter
from raw_scan.refresh.run import (
    Fetched,
    LossRefused,
    RefreshError,
    RefreshResult,
    changes,
    refresh,
    reset,
    summary_text,
)

__all__ = [
    "ADAPTERS",
    "DEFAULT_IDS",
    "SOURCE_IDS",
    "Adapter",
    "Fetched",
    "LossRefused",
    "RefreshError",
    "RefreshResult",
    "changes",
    "refresh",
    "reset",
    "summary_text",
]
