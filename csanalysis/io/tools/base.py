"""The shapes of a tool descriptor: what every :mod:`csanalysis.io.tools` module fills in.

A *tool* here is one export format of one product (``zendesk_csv``,
``qualtrics_legacy``, ``stripe_invoices``, ...). Its descriptor is plain data
(header vocabularies, signature, time-zone convention, quirk switches) plus a
few small functions where a quirk needs code (a JSON loader, the three header
rows of Qualtrics, Shopify's line items). The generic readers
(:mod:`~csanalysis.io.tickets`, :mod:`~csanalysis.io.surveys`,
:mod:`~csanalysis.io.activity`, :mod:`~csanalysis.io.customers`) ask the
registry (:mod:`csanalysis.io.tools`) which tool wrote a file and apply what its
descriptor says.

Classes
-------
Header
    The first rows of a file, as a detection signature sees them.
Tool
    What every descriptor has: name, family, table, signature, time zones.
TicketTool, SurveyTool, ActivityTool
    What a reader of that table needs to know about a tool.
SurveyLayout
    A survey export after its header rows were understood (what a survey
    tool's layout function returns).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .._common import clean_label, header_key

__all__ = ["Header", "Tool", "TicketTool", "SurveyTool", "ActivityTool", "SurveyLayout", "one_header_layout"]


@dataclass(frozen=True)
class Header:
    """The first rows of a file (stripped text), as detection signatures see them.

    Examples
    --------
    >>> h = Header.of_columns(["Id", "Requester id", " Via "])
    >>> h.has("id", "VIA"), sorted(h.keys)
    (True, ['id', 'requesterid', 'via'])
    """

    rows: tuple[tuple[str, ...], ...]

    @classmethod
    def of_columns(cls, columns) -> Header:
        """A one-row header: the column names of a table."""
        return cls((tuple(str(c) for c in columns),))

    def row(self, i: int) -> list[str]:
        """Row ``i`` (0-based) of the header, ``[]`` when the file is shorter."""
        return list(self.rows[i]) if i < len(self.rows) else []

    @cached_property
    def folded(self) -> frozenset[str]:
        """The first row's names, stripped and case-folded."""
        return frozenset(c.strip().casefold() for c in self.row(0))

    @cached_property
    def keys(self) -> frozenset[str]:
        """The first row's names reduced to letters and digits (``"Kunde-ID"`` -> ``"kundeid"``)."""
        return frozenset(header_key(c) for c in self.row(0))

    def has(self, *names: str) -> bool:
        """Whether every name is a column (case and surrounding space ignored)."""
        return all(n.casefold() in self.folded for n in names)


@dataclass(frozen=True, kw_only=True)
class Tool:
    """One export format of one tool.

    Attributes
    ----------
    name : str
        The format's name: the ``source=`` value of its reader and, unless a
        table says otherwise, ``LoadReport.source_format``.
    family : str
        The tool (module of :mod:`csanalysis.io.tools`) it belongs to.
    title : str
        What the export is, in words (used in error messages).
    table : str
        ``"tickets"``, ``"responses"``, ``"activity"`` or ``"customers"``.
    detect : callable, optional
        ``detect(header) -> truthy`` when the header carries the tool's
        signature (for surveys: the number of header rows). Tried in registry
        order; the first match wins.
    detect_weak : callable, optional
        A weaker signature, tried only after every tool's ``detect`` failed.
    timezone : str
        The tool's time-zone convention, in words (documentation).
    """

    name: str
    family: str
    title: str
    table: str
    detect: Callable[[Header], Any] | None = None
    detect_weak: Callable[[Header], Any] | None = None
    timezone: str = ""


@dataclass(frozen=True, kw_only=True)
class TicketTool(Tool):
    """A helpdesk ticket export: where it keeps each canonical field and how to read it.

    Attributes
    ----------
    columns : dict
        Canonical field -> candidate column names (first match wins).
    regex : dict
        Canonical field -> regular expression matching the column name.
    rating_scale : (min, max), optional
        Numeric scale of the tool's rating.
    agent_cols, person_cols, free_text : tuple of str
        Columns naming agents (pseudonymised), people (dropped unless
        ``keep_pii``) and free text.
    assignee_cols : tuple of str
        Columns naming the agent the ticket is (last) assigned to, in order of
        preference; the first present fills ``agent_key`` (pseudonymised, never
        the raw name or id). Agent columns too: never copied raw. Submitters,
        creators and the last agent rated are no assignees.
    group_cols : tuple of str
        Columns naming the team / group / queue the ticket belongs to, in order
        of preference; the first present fills ``group``.
    first_reply_unit : str
        Unit of the first-reply duration column.
    first_reply_is_timestamp : bool
        The first-reply column is a timestamp, not a duration.
    zone_from_header : str, optional
        Regex capturing the time zone written in the creation column's name.
    default_timezone : str, optional
        Zone of timestamps without an offset when ``timezone=`` is not given.
    timezone_note : str, optional
        Note for the load report when ``timezone=`` is not given.
    contact_id_is_email : bool
        The customer-id candidate may be the e-mail column itself; then the
        file has no customer id.
    rating_codes : dict
        Rating codes -> score 0-1; always used for this format, and for any
        ticket file whose ratings look like these codes.
    rating_labels : tuple of tuple of str
        The tool's rating labels, each tuple one scale from worst to best.
    rating_verdicts : dict
        Rating values that are a good/bad verdict -> ``"good"`` / ``"bad"``.
    not_rated : dict
        Rating values that are not a rating -> whether a rating was offered.
    load_document : callable, optional
        ``load_document(path, bytes, report) -> (DataFrame, row_numbers)`` for
        a format that is a document (JSON) rather than a table.
    document_suffixes : tuple of str
        File suffixes of such documents (detection).
    document_expected : str
        What such a file should be (error messages).
    adjust_direction : callable, optional
        ``adjust_direction(data, direction) -> direction``: a tool's own
        evidence that a ticket was started by an agent.
    queue_owned : callable, optional
        ``queue_owned(data) -> bool mask``: tickets whose assignee column names
        a queue, not an agent (a Salesforce case owned by a queue): their
        ``agent_key`` is missing.
    """

    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    regex: Mapping[str, str] = field(default_factory=dict)
    rating_scale: tuple[float, float] | None = None
    agent_cols: tuple[str, ...] = ()
    assignee_cols: tuple[str, ...] = ()
    group_cols: tuple[str, ...] = ()
    person_cols: tuple[str, ...] = ()
    free_text: tuple[str, ...] = ()
    first_reply_unit: str = "minutes"
    first_reply_is_timestamp: bool = False
    zone_from_header: str | None = None
    default_timezone: str | None = None
    timezone_note: str | None = None
    contact_id_is_email: bool = False
    rating_codes: Mapping[str, float] = field(default_factory=dict)
    rating_labels: tuple[tuple[str, ...], ...] = ()
    rating_verdicts: Mapping[str, str] = field(default_factory=dict)
    not_rated: Mapping[str, Any] = field(default_factory=dict)
    load_document: Callable[[str, bytes, Any], tuple[pd.DataFrame, np.ndarray]] | None = None
    document_suffixes: tuple[str, ...] = ()
    document_expected: str = ""
    adjust_direction: Callable[[pd.DataFrame, pd.Series], pd.Series] | None = None
    queue_owned: Callable[[pd.DataFrame], np.ndarray] | None = None
    table: str = "tickets"


@dataclass
class SurveyLayout:
    """A survey export after its header rows were understood (every cell a string).

    Attributes
    ----------
    data : DataFrame
        One row per response, one column per export tag.
    texts : dict
        Column -> question text (or the column name).
    header_rows : int
        Header rows above the data.
    notes : list of str
        What the load report should say about the layout.
    zones : dict
        Column -> time zone the file states for it.
    import_ids : dict
        Column -> the tool's own question id (Qualtrics ``ImportId``).
    free_text : set
        Columns the tool marks as free text.
    labelled : set
        Columns whose values are value labels (SPSS).
    rows : ndarray, optional
        Row numbers of the responses (for files that are not text tables).
    encoding : str, optional
        Text encoding (for files that are not text tables).
    """

    data: pd.DataFrame
    texts: dict[str, str]
    header_rows: int = 1
    notes: list[str] = field(default_factory=list)
    zones: dict[str, str] = field(default_factory=dict)
    import_ids: dict[str, str] = field(default_factory=dict)
    free_text: set[str] = field(default_factory=set)
    labelled: set[str] = field(default_factory=set)
    rows: np.ndarray | None = None
    encoding: str | None = None


def one_header_layout(path: str, data: pd.DataFrame, headers: list[list[str]]) -> SurveyLayout:
    """The layout of a table with one header row: the column names are the question texts."""
    return SurveyLayout(data, {c: clean_label(str(c)) for c in data.columns}, 1)


@dataclass(frozen=True, kw_only=True)
class SurveyTool(Tool):
    """A survey export: its layout, metadata columns and conventions.

    Attributes
    ----------
    forced : callable, optional
        ``forced(header, path) -> header rows`` when ``source=`` names this
        format but no signature matched (may raise :class:`ExportError`).
        Default: one header row.
    layout : callable, optional
        ``layout(path, data, headers) -> SurveyLayout`` for the header rows of
        a text export (default: :func:`one_header_layout`).
    reads_file, read_file : callable, optional
        For a binary format: ``reads_file(path)`` tells it by its bytes,
        ``read_file(path) -> SurveyLayout`` reads it.
    file_kind, file_expected : str
        What such a file is, and what ``source=`` expects of it (messages).
    time_columns : tuple of str
        Where the response time is (first match wins), before the generic names.
    time_regex : str, optional
        A regex finding the response-time column after ``time_columns``.
    time_column_first : bool
        The first column is always the response time.
    date_columns : tuple of str
        Names of the tool's other date columns (read as dates in any survey).
    status_columns : tuple of str
        The response-status column; with its preview and spam codes and words.
    preview_codes, spam_codes : frozenset of int
    preview_pattern, spam_pattern : str, optional
    partial_columns : tuple of str
        Column saying a response is partial; ``partial_values`` say which.
    partial_values : tuple of str
    response_ids : bool
        Whether the export has a response id column at all.
    response_id_note : str, optional
        Why not (for the load report).
    is_metadata : callable, optional
        ``is_metadata(column) -> bool``: the tool's own metadata columns
        (never question roles).
    """

    forced: Callable[[Header, str], int] | None = None
    layout: Callable[[str, pd.DataFrame, list[list[str]]], SurveyLayout] | None = None
    reads_file: Callable[[str], bool] | None = None
    read_file: Callable[[str], SurveyLayout] | None = None
    file_kind: str = ""
    file_expected: str = ""
    time_columns: tuple[str, ...] = ()
    time_regex: str | None = None
    time_column_first: bool = False
    date_columns: tuple[str, ...] = ()
    status_columns: tuple[str, ...] = ()
    preview_codes: frozenset[int] = frozenset()
    spam_codes: frozenset[int] = frozenset()
    preview_pattern: str | None = None
    spam_pattern: str | None = None
    partial_columns: tuple[str, ...] = ()
    partial_values: tuple[str, ...] = ()
    response_ids: bool = True
    response_id_note: str | None = None
    is_metadata: Callable[[str], bool] | None = None
    table: str = "responses"


@dataclass(frozen=True, kw_only=True)
class ActivityTool(Tool):
    """A purchase-activity export (orders, charges, invoices).

    Attributes
    ----------
    source_format : str
        ``LoadReport.source_format`` of the format.
    columns : dict
        Role -> candidate column names the tool writes (first match wins).
    read : callable
        ``read(frame, user, *, path, timezone, dayfirst, currency,
        include_refunded, include_test, test_rules) -> (canonical, used)``:
        the format's reading rules (line items, statuses, amounts).
    test_rows : callable, optional
        ``test_rows(data) -> bool mask``: the tool's test-mode markers, applied
        to every activity file.
    """

    source_format: str = ""
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    read: Callable[..., tuple[dict, set]] | None = None
    test_rows: Callable[[pd.DataFrame], np.ndarray] | None = None
    table: str = "activity"
