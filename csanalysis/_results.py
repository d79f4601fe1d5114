"""Former home of :mod:`csanalysis.results`, kept while modules still import it from here.

Import from :mod:`csanalysis.results` instead; ``ResultMixin`` is the old name
of :class:`csanalysis.results.Result`.
"""

from csanalysis.results import *  # noqa: F403
from csanalysis.results import Result, frame_records, jsonable

ResultMixin = Result

__all__ = ["jsonable", "ResultMixin", "frame_records"]
