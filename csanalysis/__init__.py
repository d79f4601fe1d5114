"""csanalysis: customer-service analytics from helpdesk, survey and shop exports.

Data flows one way: files -> readers (:mod:`csanalysis.io`) -> canonical tables
(:mod:`csanalysis.schema`) -> linked customers (:mod:`csanalysis.link`) ->
experiences and timelines (:mod:`csanalysis.experiences`) -> estimators
(:mod:`csanalysis.estimators`, :mod:`csanalysis.segments`) -> comparisons with
the registry of cited figures (:mod:`csanalysis.registry`) -> faces
(:mod:`csanalysis.plotting`, :mod:`csanalysis.report`, the notebooks).

Examples
--------
>>> import csanalysis as cs
>>> a = cs.analyse(cs.datasets.load_sample(), n_resamples=100)
>>> a.figure("avoid_2y_after_bad")["unit"]
'share'
"""

from . import _memory  # noqa: F401  first: mimalloc's options, before pandas loads pyarrow (see _memory)
from . import datasets, display, plotting, registry, schema, segments
from ._version import __version__
from .errors import CsanalysisError, CsanalysisWarning, ExportError
from .estimators import (
    attributable_churn,
    avoidance,
    reach_model,
    service_metrics,
    snapshot_churn,
    word_of_mouth,
)
from .experiences import BadExperienceRule, customer_summary, experiences, timeline
from .analysis import Analysis, analyse
from .headline import benchmark_table
from .io import Exports, LoadReport, load_report, read_activity, read_customers, read_exports, read_survey, read_tickets
from .link import LinkedData, link_customers
from .registry import compare_to_benchmark, load_registry
from . import text
from .text import score_sentiment, tag_reasons

__all__ = [
    "__version__",
    "analyse",
    "Analysis",
    "datasets",
    "display",
    "plotting",
    "registry",
    "schema",
    "segments",
    "CsanalysisError",
    "CsanalysisWarning",
    "ExportError",
    "LoadReport",
    "load_report",
    "read_tickets",
    "read_survey",
    "read_activity",
    "read_customers",
    "read_exports",
    "Exports",
    "LinkedData",
    "link_customers",
    "BadExperienceRule",
    "experiences",
    "timeline",
    "customer_summary",
    "service_metrics",
    "avoidance",
    "word_of_mouth",
    "reach_model",
    "attributable_churn",
    "snapshot_churn",
    "benchmark_table",
    "compare_to_benchmark",
    "load_registry",
    "text",
    "tag_reasons",
    "score_sentiment",
]
