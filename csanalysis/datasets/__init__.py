"""The bundled sample: real export formats for the same few thousand (fake) customers.

Files (in ``csanalysis/datasets/sample/``, also at ``data/sample/`` in the repository):

* ``zendesk_tickets.csv``: Zendesk Support CSV export (times in Europe/Copenhagen, no offset)
* ``qualtrics_survey.csv``: Qualtrics CSV export, three header rows, post-ticket survey
* ``danish_survey.csv``: a Danish survey export with European CSV conventions (cp1252, ``;``)
* ``shopify_orders.csv``: Shopify orders export (one row per line item)
* ``customer_snapshot.csv``: a customer table in the shape of the telco churn tables
* ``planted_truth.json``: the effects planted by the generator, computed from its full simulated future

See ``README.md`` there for the planted effects. The names and e-mail addresses
are invented (example.com domains).
"""

from __future__ import annotations

import json
from importlib.resources import as_file, files
from pathlib import Path

import pandas as pd

__all__ = ["sample_path", "sample_files", "load_sample", "load_planted_truth", "SAMPLE_TIMEZONE",
           "SAMPLE_KEY"]

#: The Zendesk account time zone of the sample.
SAMPLE_TIMEZONE = "Europe/Copenhagen"
#: The pseudonymisation key used for the sample, so sample results are reproducible.
SAMPLE_KEY = "csanalysis-sample-key"

SAMPLE_FILES = {
    "tickets": ["zendesk_tickets.csv"],
    "survey": ["qualtrics_survey.csv", "danish_survey.csv"],
    "activity": ["shopify_orders.csv"],
    "customers": ["customer_snapshot.csv"],
}


def sample_path(name: str = "") -> Path:
    """Path of a bundled sample file (or of the sample folder when ``name`` is empty).

    Examples
    --------
    >>> sample_path("zendesk_tickets.csv").name
    'zendesk_tickets.csv'
    """
    res = files("csanalysis") / "datasets" / "sample"
    if name:
        res = res / name
    with as_file(res) as p:  # a real path for installed packages on disk
        p = Path(p)
    if name and not p.exists():
        known = sorted(f for fs in SAMPLE_FILES.values() for f in fs)
        raise FileNotFoundError(f"no sample file {name!r}; the sample has {known}")
    return p


def sample_files() -> dict[str, list[Path]]:
    """The sample's files by role (tickets, survey, activity, customers)."""
    return {k: [sample_path(f) for f in v] for k, v in SAMPLE_FILES.items()}


def load_planted_truth() -> dict:
    """The effects planted in the sample, as the generator computed them."""
    return json.loads(sample_path("planted_truth.json").read_text(encoding="utf-8"))


def load_sample(*, secret: str | bytes | None = SAMPLE_KEY, key: str | bytes | None = None):
    """Load the bundled sample with the csanalysis readers.

    Parameters
    ----------
    secret : str or bytes, optional
        Pseudonymisation secret (a fixed sample secret by default, so that
        results are reproducible); ``key`` is its former name.

    Returns
    -------
    Exports
        ``.tickets``, ``.responses`` (both surveys), ``.activity``,
        ``.customers`` and ``.reports`` (role -> one LoadReport per file);
        ``.sample`` is True. Pass it to :func:`csanalysis.analyse`.

    Examples
    --------
    >>> s = load_sample()
    >>> len(s.tickets) > 0 and len(s.activity) > 0
    True
    """
    from ..io import read_exports

    return read_exports(**sample_files(), timezone=SAMPLE_TIMEZONE, secret=key if key is not None else secret,
                        sample=True)
