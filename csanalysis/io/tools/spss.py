"""SPSS ``.sav`` files: survey data with value labels (Qualtrics, SurveyMonkey, SPSS itself).

What the export looks like
--------------------------
A binary ``.sav`` (or compressed ``.zsav``) file starting with ``$FL2`` or
``$FL3``: one row per response, variables with a label (the question text),
value labels (``1 = Very dissatisfied`` ...) and user-missing codes. Survey
tools write them (Qualtrics "SPSS" download, SurveyMonkey), and analysts
save them from SPSS. Recognised by the suffix or the signature bytes.

Quirks
------
* Value labels are used in place of their codes: Qualtrics recodes such as
  11-15 or 35-41 are mapped through their labels, never read as numbers.
* User-missing values (SPSS missing codes and ranges) become missing.
* Dates and date-times (``DATE``, ``ADATE``, ``EDATE``, ``DATETIME`` formats)
  are UTC.
* String variables (``A`` formats) are free text.
* Metadata variables of a Qualtrics survey keep their Qualtrics names
  (``StartDate``, ``ResponseId``, ``Status`` ...), sanitised
  (``Duration__in_seconds_``): they are read with Qualtrics' rules
  (:mod:`csanalysis.io.tools.qualtrics`).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import ExportError
from .._common import clean_label
from . import qualtrics
from .base import SurveyLayout, SurveyTool

__all__ = ["TITLE", "SAV", "FORMATS", "is_sav", "read_sav"]

#: The tool, in words.
TITLE = "SPSS"

_STR = pd.StringDtype(na_value=np.nan)


def is_sav(path: str) -> bool:
    """Whether ``path`` is an SPSS file (by its suffix or its first bytes)."""
    p = Path(path)
    if p.suffix.lower() in (".sav", ".zsav"):
        return True
    try:
        with open(p, "rb") as fh:
            return fh.read(4) in (b"$FL2", b"$FL3")
    except OSError:
        return False


def _num_str(x: pd.Series) -> pd.Series:
    """Floats as strings: ``3.0`` -> ``"3"``, ``2.5`` -> ``"2.5"``, NaN -> missing."""
    x = x.astype("float64")
    integral = x.notna() & (x == np.round(x))
    as_int = x.where(integral).astype("Int64").astype(_STR)
    as_float = x.astype(_STR)
    out = as_int.where(integral, as_float)
    return out.where(x.notna(), np.nan).astype(_STR)


def read_sav(path: str) -> SurveyLayout:
    """Read a ``.sav`` file: labels for codes, user-missing codes missing, dates as UTC text."""
    import pyreadstat

    p = Path(path)
    if not p.exists():
        raise ExportError(p, "no such file", expected="the path of an exported file")
    try:
        df, meta = pyreadstat.read_sav(str(p), user_missing=True)
    except Exception as exc:  # noqa: BLE001 - pyreadstat raises its own error types on damaged files
        raise ExportError(path, f"cannot be read as an SPSS .sav file ({type(exc).__name__}: {exc})",
                          expected="a complete .sav file written by SPSS, Qualtrics or another tool") from None
    notes: list[str] = []
    texts = {c: clean_label(meta.column_names_to_labels.get(c) or c) for c in df.columns}
    missing_ranges = getattr(meta, "missing_ranges", {}) or {}
    value_labels = getattr(meta, "variable_value_labels", {}) or {}
    types = getattr(meta, "original_variable_types", {}) or {}
    out: dict[str, pd.Series] = {}
    zones: dict[str, str] = {}
    labelled: set[str] = set()
    free: set[str] = set()
    for c in df.columns:
        s = df[c]
        fmt = str(types.get(c, ""))
        if c in missing_ranges and pd.api.types.is_numeric_dtype(s):
            miss = np.zeros(len(s), dtype=bool)
            x = s.to_numpy(dtype="float64")
            for r in missing_ranges[c]:
                miss |= (x >= float(r["lo"])) & (x <= float(r["hi"]))
            if miss.any():
                notes.append(f"{c}: {int(miss.sum())} user-missing value(s) (SPSS missing codes) set to missing")
                s = s.where(~miss)
        if pd.api.types.is_datetime64_any_dtype(s):
            out[c] = s.dt.strftime("%Y-%m-%d %H:%M:%S").astype(_STR)
            zones[c] = "UTC"
            continue
        # dates (EDATE/ADATE formats) come back as datetime.date objects
        if s.dtype == object and re.match(r"^(E|A|S|J)?DATE|^DATETIME|^DATE", fmt):
            conv = pd.to_datetime(s, errors="coerce")
            out[c] = conv.dt.strftime("%Y-%m-%d %H:%M:%S").astype(_STR)
            zones[c] = "UTC"
            continue
        if c in value_labels and pd.api.types.is_numeric_dtype(s):
            labels = value_labels[c]
            x = s.astype("float64")
            lab = x.map({float(k): v for k, v in labels.items()})
            unlabelled = x.notna() & lab.isna()
            num = _num_str(x)
            out[c] = lab.astype(_STR).where(~unlabelled, num).astype(_STR)
            labelled.add(c)
            continue
        if pd.api.types.is_numeric_dtype(s):
            out[c] = _num_str(s.astype("float64"))
            continue
        st = s.astype(_STR)
        out[c] = st
        if fmt.upper().startswith("A"):
            free.add(c)
    data = pd.DataFrame(out, index=df.index)
    if labelled:
        notes.append("SPSS value labels used in place of their codes (Qualtrics recodes such as 11-15 or "
                     "35-41 are mapped through their labels, never read as numbers)")
    enc = getattr(meta, "file_encoding", None)
    return SurveyLayout(data, texts, 0, notes=notes, zones=zones, free_text=free, labelled=labelled,
                        rows=np.arange(1, len(data) + 1), encoding=enc)


SAV = SurveyTool(
    name="spss", family="spss", title="SPSS .sav file",
    reads_file=is_sav, read_file=read_sav,
    file_kind="an SPSS .sav file", file_expected="a .sav file (it starts with $FL2), or source='auto'",
    timezone="dates and date-times are UTC",
    time_columns=qualtrics.TIME_COLUMNS,
    status_columns=("Status",), preview_codes=qualtrics.PREVIEW_CODES, spam_codes=qualtrics.SPAM_CODES,
    preview_pattern=qualtrics.PREVIEW_PATTERN, spam_pattern=qualtrics.SPAM_PATTERN,
    is_metadata=qualtrics.is_metadata,
)

FORMATS = (SAV,)
