"""Exceptions and warnings of csanalysis.

A file that cannot be understood raises :class:`ExportError`, a
:class:`ValueError` subclass, whose message names the file, the line or column,
what was found and what was expected. Messages never quote personal values:
every message passes :func:`csanalysis.privacy.mask_text` (e-mail addresses,
phone numbers and greeting names masked), whatever cell value it quotes.
"""

from __future__ import annotations

from os import PathLike

__all__ = ["CsanalysisError", "ExportError", "CsanalysisWarning"]


def _masked(value):
    from .privacy import mask_text  # late: privacy imports pandas

    return mask_text(value) if isinstance(value, str) else value


class CsanalysisError(ValueError):
    """Base class of the errors csanalysis raises on bad input (its text masked, see the module docstring).

    Examples
    --------
    >>> str(CsanalysisError("unknown channel 'anna@example.com'"))
    "unknown channel '[email]'"
    """

    def __init__(self, *args) -> None:
        super().__init__(*(_masked(a) for a in args))


class ExportError(CsanalysisError):
    """An input file (or table) that cannot be understood.

    Parameters
    ----------
    path : str or PathLike, optional
        The file.
    problem : str
        What was found, in words a user understands.
    expected : str, optional
        What was expected instead, and how to fix it.
    line, column : optional
        Where in the file.

    Examples
    --------
    >>> err = ExportError("tickets.csv", "the file is empty", expected="a CSV export with a header row")
    >>> print(err)
    tickets.csv: the file is empty. Expected a CSV export with a header row.
    """

    def __init__(
        self,
        path: str | PathLike | None,
        problem: str,
        *,
        expected: str | None = None,
        line: int | None = None,
        column: str | None = None,
        kind: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        problem, expected, column = _masked(problem), _masked(expected), _masked(column)
        self.problem = problem
        self.expected = expected
        self.line = line
        self.column = column
        self.kind = kind  # a stable code for programs, e.g. "ambiguous_dates"
        where = _masked(self.path) or "<table>"
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        msg = f"{where}: {problem}"
        if expected:
            msg += f". Expected {expected}"
        if not msg.endswith("."):
            msg += "."
        super().__init__(msg)


class CsanalysisWarning(UserWarning):
    """A warning about data quality or an assumption csanalysis had to make (its text masked like errors')."""

    def __init__(self, *args) -> None:
        super().__init__(*(_masked(a) for a in args))
