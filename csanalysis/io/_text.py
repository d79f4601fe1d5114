"""Turning the bytes of an export into a table of strings.

Everything format-specific happens later; this module only answers: is this a
table at all, which encoding, which delimiter, where are the records, and
which records could not be parsed. All cells come back as strings.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._memory import release_memory
from ..errors import ExportError
from ..stats.arrays import arrow_text
from ._block_state import NotBlockSafe
from ._block_state import current as current_block

__all__ = ["RawTable", "FrameInput", "as_input", "frame_cells", "read_raw", "read_table", "read_bytes",
           "decode_text", "promote_header", "dedupe_names", "sniff_delimiter", "sniff_layout", "blank_text",
           "missing_text", "repeated_as_categories", "as_categories", "CATEGORY_RATIO", "WHITESPACE", "FIXED_WIDTH"]

DELIMITERS = (",", ";", "\t", "|")

_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls (or other OLE) file"),
    (b"$FL2", "an SPSS .sav file"),
    (b"$FL3", "an SPSS .sav file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


@dataclass
class RawTable:
    """Records of a file, every cell a string (missing trailing fields are NaN)."""

    path: str
    cells: pd.DataFrame
    row_numbers: np.ndarray
    encoding: str | None
    delimiter: str | None
    bad_rows: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"row": pd.Series(dtype="int64"), "reason": pd.Series(dtype="str")})
    )
    notes: list[str] = field(default_factory=list)
    sheet: str | None = None  # the worksheet read, for a workbook


class FrameInput:
    """A table handed over as a pandas DataFrame (from an API or a database), in place of a file.

    The readers treat it as an already-parsed raw table: its column names are
    the header row, every cell becomes text (as a CSV would hold it) and is
    then classified, cleaned and accounted like a file's. ``str()`` is its
    label in load reports and error messages.
    """

    def __init__(self, frame: pd.DataFrame, name: str = "DataFrame") -> None:
        self.frame = frame
        self.name = name

    def __str__(self) -> str:
        return f"<{self.name}>"

    def __repr__(self) -> str:
        return f"FrameInput({self.name!r}, {self.frame.shape[0]} rows x {self.frame.shape[1]} columns)"


def as_input(source):
    """A reader's ``path`` argument as the readers take it: a DataFrame becomes a :class:`FrameInput`."""
    if isinstance(source, pd.DataFrame):
        return FrameInput(source)
    return source


def _frame_text(s: pd.Series) -> pd.Series:
    """One DataFrame column as text cells ('' where missing), vectorised by dtype."""
    missing = s.isna().to_numpy()
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        tz = getattr(s.dtype, "tz", None)
        t = s.dt.tz_convert("UTC") if tz is not None else s
        fmt = "%Y-%m-%d %H:%M:%S.%f" if (t.dt.microsecond.fillna(0) != 0).any() else "%Y-%m-%d %H:%M:%S"
        out = t.dt.strftime(fmt) + ("+00:00" if tz is not None else "")
    elif pd.api.types.is_bool_dtype(s.dtype):
        out = s.astype(object).astype(str)
    elif pd.api.types.is_float_dtype(s.dtype):
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        whole = np.isfinite(v) & (np.floor(v) == v) & (np.abs(v) < 2**53)
        if whole[~missing].all():  # ids and counts read as floats (a column with gaps): no ".0"
            out = pd.Series(v, index=s.index).fillna(0).astype("int64").astype(str)
        else:
            out = s.astype(str)
    else:
        out = s.astype(object).astype(str)
    return out.where(~missing, "").astype(object)


def frame_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A DataFrame as a raw table: the column names as the first record, then every row as text."""
    df = frame
    if isinstance(df.columns, pd.MultiIndex):
        df = df.set_axis([" - ".join(str(x) for x in c if str(x)) for c in df.columns], axis=1)
    if df.index.name is not None or isinstance(df.index, pd.MultiIndex):  # a named index is a column
        df = df.reset_index()
    body = pd.DataFrame({i: _frame_text(df.iloc[:, i]).to_numpy() for i in range(df.shape[1])})
    head = pd.DataFrame([[str(c) for c in df.columns]], columns=range(df.shape[1]))
    return pd.concat([head, body], ignore_index=True)


def read_bytes(path: str | PathLike) -> tuple[bytes, str]:
    """Read a file's bytes; unwrap a zip holding one export. Returns (bytes, name)."""
    p = Path(path)
    if not p.exists():
        raise ExportError(p, "no such file", expected="the path of an exported file")
    if p.is_dir():
        raise ExportError(p, "this is a folder, not a file", expected="the path of an exported file")
    data = p.read_bytes()
    name = p.name
    if data[:4] == b"PK\x03\x04" and p.suffix.lower() not in (".xlsx", ".xlsm"):
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            members = [m for m in zf.namelist() if not m.endswith("/") and not m.startswith("__MACOSX")]
        except zipfile.BadZipFile as exc:
            raise ExportError(p, "looks like a zip archive but cannot be opened (truncated download?)",
                              expected="a complete .zip, .csv, .json or .xlsx export") from exc
        if "[Content_Types].xml" in members:
            return data, name  # an Excel workbook with another extension
        if len(members) != 1:
            raise ExportError(p, f"a zip archive holding {len(members)} files",
                              expected="an archive holding exactly one export; unzip it and pass each file")
        return zf.read(members[0]), members[0]
    return data, name


def leading_bytes(path: str | PathLike, n: int = 1) -> bytes:
    """The first ``n`` bytes of an export after any leading white space (of the one inside a zip).

    Enough to tell a JSON document from a table without reading a large
    file whole: a plain file is read block by block only up to its first
    ``n`` bytes that are not white space. Paths that are not a plain file
    (missing, a folder, a zip) go through :func:`read_bytes` and its errors.
    """
    p = Path(path)
    if p.is_file():
        got = b""
        with open(p, "rb") as f:
            if f.read(4) != b"PK\x03\x04":
                f.seek(0)
                for block in iter(lambda: f.read(1 << 16), b""):
                    got = got + block if got else block.lstrip()
                    if len(got) >= n:
                        break
                return got[:n]
    return read_bytes(path)[0].lstrip()[:n]


def _refuse_binary(path: str, data: bytes) -> None:
    if not data.strip():
        raise ExportError(path, "the file is empty", expected="an export with a header row and data rows")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise ExportError(path, f"this is {what}, not a table export",
                              expected="a CSV/TSV, .xlsx, JSON or (for surveys) SPSS .sav export")


def decode_text(path: str, data: bytes, encoding: str | None) -> tuple[str, str, list[str]]:
    """Decode an export's bytes: ``encoding`` if given, else BOM, UTF-16 by NUL pattern, UTF-8, legacy code page.

    Returns ``(text, encoding name, notes)``.
    """
    notes: list[str] = []
    if encoding:
        try:
            return data.decode(encoding), encoding, notes
        except (UnicodeDecodeError, LookupError) as exc:
            raise ExportError(path, f"cannot be decoded as {encoding} ({exc})",
                              expected="the encoding the file was saved in") from exc
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc, notes
            except UnicodeDecodeError as exc:
                raise ExportError(path, f"starts with a {enc} byte-order mark but is not valid {enc}",
                                  expected="a file saved in one encoding") from exc
    head = data[:4096]
    nul = head.count(b"\x00")
    if nul > len(head) // 4:
        # UTF-16 without BOM: NULs in odd (LE) or even (BE) positions
        even = head[0::2].count(b"\x00")
        odd = head[1::2].count(b"\x00")
        enc = "utf-16-le" if odd > even else "utf-16-be"
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            raise ExportError(path, "binary data (many NUL bytes), not a text export",
                              expected="a CSV/TSV, .xlsx, JSON or SPSS .sav export") from None
        notes.append(f"no byte-order mark; decoded as {enc} from its NUL-byte pattern")
        return text, enc, notes
    try:
        return data.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError:
        pass
    lines = data.splitlines(keepends=True)
    bad = []
    for i, ln in enumerate(lines):  # per line, not per record: only on the slow path of a broken file
        try:
            ln.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(i)
    non_ascii = sum(1 for ln in lines if any(b > 127 for b in ln))
    if bad and non_ascii > len(bad):
        # mostly UTF-8 with some lines in a legacy code page: mixed encodings
        legacy = _guess_legacy(b"".join(lines[i] for i in bad))
        for i in bad:
            lines[i] = lines[i].decode(legacy).encode("utf-8")
        shown = ", ".join(str(i + 1) for i in bad[:10]) + (" ..." if len(bad) > 10 else "")
        notes.append(
            f"mixed encodings: {len(bad)} line(s) ({shown}) are not UTF-8 like the rest; "
            f"decoded them as {legacy}; check those rows")
        return b"".join(lines).decode("utf-8"), "utf-8 (mixed)", notes
    enc = _guess_legacy(data)
    notes.append(f"not UTF-8; decoded as {enc} (detected)")
    return data.decode(enc, errors="replace"), enc, notes


def _guess_legacy(data: bytes) -> str:
    """Pick among the legacy code pages analysts' Excel writes."""
    from charset_normalizer import from_bytes

    # Excel writes "CSV" in the Windows code page of its locale: Western European
    # (cp1252, incl. the Nordic languages and German) or Cyrillic (cp1251).
    best = from_bytes(data[:200_000], cp_isolation=["cp1252", "cp1251"]).best()
    enc = best.encoding if best is not None else "cp1252"
    return {"windows_1252": "cp1252", "windows_1251": "cp1251", "windows_1250": "cp1250"}.get(enc, enc)


def _looks_binary(path: str, text: str) -> None:
    sample = text[:20000]
    ctrl = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n\x0c") or ch == "\ufffd")
    if ctrl > max(8, len(sample) // 50):
        raise ExportError(path, "binary data or a file that is not text (many control characters)",
                          expected="a CSV/TSV, .xlsx, JSON or SPSS .sav export")


def sniff_delimiter(text: str) -> str:
    """Choose the delimiter whose field count is most consistent over the first lines.

    Examples
    --------
    >>> sniff_delimiter('a;b;c\\n"1,5";2;3\\n4;5;6\\n')
    ';'
    """
    return _sniff(text)[0]


_BAD_LINE = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")
_EOF_QUOTE = re.compile(r"EOF inside string starting (?:at|on) (?:row|line) (\d+)", re.I)

#: The ``delimiter`` of text whose fields are separated by runs of spaces or tabs (the classic
#: CDNOW purchase log); a valid ``pandas.read_csv`` separator.
WHITESPACE = r"\s+"
#: The ``delimiter`` of text whose columns sit at fixed character positions (aligned reports).
FIXED_WIDTH = "fixed-width"
#: Rows opening a quote they never close after which reading resumes at the next line; beyond this
#: many, the rest of the file is read one line per record with quotes taken literally.
MAX_RESYNCS = 50

_SEP_LINE = re.compile(r'\A"?sep=(.)"?[ \t]*(?:\n|\Z)')

_KW = dict(header=None, dtype=str, keep_default_na=False, na_filter=False, engine="c", on_bad_lines="warn",
           skip_blank_lines=False, quotechar='"', doublequote=True)


def _preamble(text: str) -> tuple[str, str | None, list[str]]:
    """Normalise what comes before parsing: NUL bytes, line ends, Excel's ``sep=`` line.

    Returns ``(text, delimiter named by a sep= line or None, notes)``. Line
    ends become ``\\n``; a carriage return inside a line (a bare CR, as Excel
    and old Mac tools leave inside cells) becomes a space, unless the file uses
    bare CRs as its only line ends.
    """
    notes: list[str] = []
    if "\x00" in text:
        n = text.count("\x00")
        text = text.replace("\x00", "")
        notes.append(f"{n} NUL byte(s) removed (a damaged or partly UTF-16 export?)")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            if "\n" not in text:
                text = text.replace("\r", "\n")
                notes.append("line ends are bare carriage returns (an old Mac export); read as line breaks")
            else:
                n = text.count("\r")
                text = text.replace("\r", " ")
                notes.append(f"{n} carriage return(s) inside lines (not line ends) read as spaces, so no "
                             "record is split at them")
    text = re.sub(r"\A(?:[ \t]*\n)+", "", text)  # blank lines before the header are no records
    sep = None
    m = _SEP_LINE.match(text)
    if m:
        sep = m.group(1)
        text = text[m.end():]
        notes.append(f"first line 'sep={sep}' (written by Excel) names the delimiter; it is no record")
    return text, sep, notes


def _tokenise(text: str, sep: str, width: int | None, quoting: int) -> tuple[pd.DataFrame, dict[int, int], int | None]:
    """One C-parser pass: (good records, {ordinal: fields} of records with too many fields, EOF ordinal).

    Ordinals are 0-based positions of the records in ``text``, blank lines and
    bad records included. A quote left open at the end makes pandas return
    nothing; the text is then parsed again with a closing quote appended, so
    that every record is still returned, and the third item is the ordinal of
    the record the open quote began in.
    """
    eof = None
    for attempt in (text, text + '"'):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                df = pd.read_csv(io.StringIO(attempt), sep=sep, quoting=quoting,
                                 names=None if width is None else list(range(width)), **_KW)
            except pd.errors.EmptyDataError:
                df = pd.DataFrame({i: pd.Series(dtype=str) for i in range(width or 1)})
            except pd.errors.ParserError as exc:
                m = _EOF_QUOTE.search(str(exc))
                if m is None or eof is not None:
                    raise
                eof = int(m.group(1))
                continue
        bad = {}
        for w in caught:
            for m in _BAD_LINE.finditer(str(w.message)):
                bad[int(m.group(1)) - 1] = int(m.group(3))
        return df, bad, eof
    raise AssertionError("unreachable")  # pragma: no cover


def _ends_quoted(line: str, sep: str) -> bool:
    """Whether one physical line, read from a record's start, ends inside a quoted value.

    The C parser's states for one line; used only on the few lines where a
    record broke.
    """
    white = sep == WHITESPACE
    state = "start"
    for ch in line:
        is_sep = ch in " \t" if white else ch == sep
        if state == "start":
            state = "quoted" if ch == '"' else ("start" if is_sep else "field")
        elif state == "field":
            if is_sep:
                state = "start"
        elif state == "quoted":
            if ch == '"':
                state = "closing"
        else:  # a quote inside a quoted value: escaped ("") or the closing quote
            state = "quoted" if ch == '"' else ("start" if is_sep else "field")
    return state == "quoted"


def _lenient_close(sep: str) -> str:
    """Regex: a line that starts inside a quoted value whose closing quote is followed by text.

    A value quoted over several lines closes with a quote followed by the
    delimiter or the line end; a quote followed by anything else means the
    "value" began at a stray quote and swallowed the records in between.
    """
    other = r"\s" if sep == WHITESPACE else re.escape(sep)
    return rf'^(?:[^"]|"")*"[^"{other}\r]'


def _field_counts(texts: pd.Series, sep: str) -> np.ndarray:
    """Fields of each record's raw text: the delimiters outside quoted values, plus one."""
    bare = texts.str.replace(r'"(?:[^"]|"")*"?', "", regex=True)
    if sep == WHITESPACE:
        return (bare.str.strip().str.count(r"[ \t\n]+") + 1).to_numpy(dtype=np.int64)
    return (bare.str.count(re.escape(sep)) + 1).to_numpy(dtype=np.int64)


_TYPED_VALUE = r"[-+]?[0-9][0-9.,:/ T+-]*|[-+]?[0-9]+(?:[.,][0-9]+)?(?:[eE][-+]?[0-9]+)?"


def _typed_column(values: pd.Series, multi: np.ndarray, skip: int = 0) -> bool:
    """Whether a column holding line breaks in the rows ``multi`` otherwise holds numbers or dates only.

    Numbers and dates never span lines: a line break in such a column means a
    stray quote swallowed the records after it. ``skip``: leading rows not
    looked at (the header).
    """
    keep = ~multi
    keep[:skip] = False
    other = values[keep]
    other = other[other.str.strip() != ""].head(2000)
    return len(other) >= 2 and bool(other.str.strip().str.fullmatch(_TYPED_VALUE).mean() >= 0.95)


def _shape(values: pd.Series) -> pd.Series:
    """Each value's shape: digits as 0, letters as a, the rest kept (``2024/01/02 3 PM`` -> ``0000/00/00 0 aa``)."""
    return values.fillna("").str.strip().str.replace(r"\d", "0", regex=True).str.replace(r"[^\W\d_]", "a",
                                                                                        regex=True)


class _LineList:
    """Lines of a text by number (the general path's ``text.split("\\n")``): the interface of :class:`_ByteLines`."""

    def __init__(self, lines: list[str]):
        self.lines = lines

    def pick(self, idx: np.ndarray) -> pd.Series:
        """The lines ``idx`` (``''`` beyond the last)."""
        lines = self.lines
        return pd.Series([lines[i] if i < len(lines) else "" for i in idx], dtype="str")

    def records(self, start: np.ndarray, span: np.ndarray) -> pd.Series:
        """``"\\n".join`` of the ``span`` lines from each ``start``."""
        lines = self.lines
        return pd.Series(["\n".join(lines[s:s + n]) for s, n in zip(start, span)], dtype="str")


class _ByteLines:
    """The lines of a UTF-8 file by number, as ``text.split("\\n")`` numbers them, without a Python string per
    line and without the file's bytes in memory: the line breaks are found by numpy a step of the file at a time,
    and only the lines asked for are read again and become text (one pyarrow array).

    ``skip``: bytes at the file's start that are not counted (its lines are numbered from there).
    """

    #: Bytes read in one go (the line breaks' search, the lines asked for): what the lines cost beyond their
    #: numbers (16 bytes a line) is bounded by it, not by the file.
    STEP = 1 << 24

    def __init__(self, path: Path | str, skip: int = 0):
        self.path, self.skip = Path(path), int(skip)
        found = [np.zeros(0, dtype=np.int64)]
        at = 0
        self.last = b""
        with open(self.path, "rb") as f:
            f.seek(self.skip)
            for piece in iter(lambda: f.read(self.STEP), b""):  # a loop over steps of the file
                found.append(np.flatnonzero(np.frombuffer(piece, dtype=np.uint8) == ord("\n")) + at)
                at += len(piece)
                self.last = piece[-1:]
        breaks = np.concatenate(found)
        self.starts = np.concatenate([[0], breaks + 1])
        self.ends = np.concatenate([breaks, [at]])

    def __len__(self) -> int:
        return len(self.starts)

    def _text(self, lo: np.ndarray, hi: np.ndarray) -> pd.Series:
        """The bytes ``[lo, hi)`` of each pair as text (each range ends at a line break, so it is whole UTF-8),
        read from the file a window of about :attr:`STEP` bytes at a time."""
        import pyarrow as pa

        lo, hi = np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64)
        size = hi - lo
        offsets = np.concatenate([[0], np.cumsum(size)]).astype(np.int64)
        out = np.empty(int(offsets[-1]), dtype=np.uint8)
        order = np.argsort(lo, kind="stable")
        lo_s, reach = lo[order], np.maximum.accumulate(hi[order])
        i, n = 0, len(order)
        with open(self.path, "rb") as f:
            while i < n:  # a loop over windows of the file (the ranges sorted by their start)
                w0 = int(lo_s[i])
                j = max(int(np.searchsorted(reach, w0 + self.STEP, side="right")), i + 1)
                w1 = int(reach[j - 1])
                f.seek(self.skip + w0)
                window = np.frombuffer(f.read(w1 - w0), dtype=np.uint8)
                rs = order[i:j]
                k = size[rs]
                within = np.arange(int(k.sum()), dtype=np.int64) - np.repeat(np.cumsum(k) - k, k)
                out[np.repeat(offsets[rs], k) + within] = window[np.repeat(lo[rs] - w0, k) + within]
                i = j
        arr = pa.Array.from_buffers(pa.large_binary(), len(size), [None, pa.py_buffer(offsets), pa.py_buffer(out)])
        return pd.Series(pd.array(arr.cast(pa.large_string()), dtype="str"))

    def pick(self, idx: np.ndarray) -> pd.Series:
        """The lines ``idx`` (``''`` beyond the last)."""
        idx = np.asarray(idx, dtype=np.int64)
        inside = idx < len(self.starts)
        lo = np.where(inside, self.starts[np.minimum(idx, len(self.starts) - 1)], 0)
        hi = np.where(inside, self.ends[np.minimum(idx, len(self.starts) - 1)], 0)
        return self._text(lo, hi)

    def records(self, start: np.ndarray, span: np.ndarray) -> pd.Series:
        """``"\\n".join`` of the ``span`` lines from each ``start`` (the lines that exist)."""
        start = np.asarray(start, dtype=np.int64)
        last = np.minimum(start + np.asarray(span, dtype=np.int64), len(self.starts)) - 1
        inside = (start < len(self.starts)) & (last >= start)
        lo = np.where(inside, self.starts[np.minimum(start, len(self.starts) - 1)], 0)
        hi = np.where(inside, self.ends[np.maximum(last, 0)], 0)
        return self._text(lo, hi)


def _first_swallowing(lines: _LineList | _ByteLines, start: np.ndarray, span: np.ndarray, owners: np.ndarray,
                      sep: str, width: int) -> int | None:
    """The first of the records ``owners`` (each spanning several lines) that a stray quote made.

    ``start``/``span`` give each record's first physical line and its number of
    lines (indexed by the records' ordinals). A value quoted over lines closes
    with a quote followed by the delimiter or the line end, and its record has
    the header's fields; a stray quote that opened a "value" swallowing whole
    records shows as a close followed by text, or as a record with fewer fields.
    """
    reps = span[owners] - 1
    offs = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps) + 1
    cont = np.repeat(start[owners], reps) + offs
    owner = np.repeat(owners, reps)
    cont_lines = lines.pick(cont)
    lenient = cont_lines.str.contains(_lenient_close(sep), regex=True).to_numpy(dtype=bool)
    if width >= 2 and sep != WHITESPACE:
        # a line inside a quoted value holding a whole record's delimiters (before the value closes) is a
        # swallowed record; in a narrow table (fewer than 4 fields) only when its first field also has the
        # shape of its record's first field (a date like a date) or the value closes at the start of a line,
        # as free text holds a comma or two
        inside = cont_lines.str.extract(r'^((?:[^"]|"")*)', expand=False).fillna("")
        whole = (inside.str.count(re.escape(sep)) >= width - 1).to_numpy(dtype=bool, copy=True)
        if width < 4 and whole.any():
            heads = lines.pick(np.repeat(start[owners], reps))
            same_shape = (_shape(inside.str.split(sep, n=1).str[0])
                          == _shape(heads.str.split(sep, n=1).str[0])).to_numpy(dtype=bool)
            # or the value closes right at the start of a line: it would end in a line break
            last = lines.pick(np.repeat(start[owners] + span[owners] - 1, reps))
            at_start = last.str.match(f'"(?:{re.escape(sep)}|$)').to_numpy(dtype=bool)
            whole &= same_shape | at_start
        lenient = lenient | whole
    bad = set(owner[lenient].tolist())
    texts = lines.records(start[owners], span[owners])
    bad |= set(owners[_field_counts(texts, sep) < width].tolist())
    return int(min(bad)) if bad else None


def _blank_records(part: pd.DataFrame, first_lines: np.ndarray, lines: list[str] | None, text: str
                   ) -> tuple[np.ndarray, list[str] | None]:
    """Mask of records that are blank lines (not ``,,,`` rows of empty values), and the split lines."""
    blank = np.zeros(len(part), dtype=bool)
    if not len(part):
        return blank, lines
    cand = np.flatnonzero((part[part.columns[0]].str.strip() == "").to_numpy(dtype=bool))
    if not len(cand):
        return blank, lines
    sub = part.iloc[cand]
    empty = np.ones(len(sub), dtype=bool)
    for c in sub.columns[1:]:
        empty &= (sub[c].str.strip() == "").to_numpy(dtype=bool)
    cand = cand[empty]
    if len(cand):
        if lines is None:
            lines = text.split("\n")
        blank[cand] = [(lines[i] if i < len(lines) else "").strip() == "" for i in first_lines[cand]]
    return blank, lines


def _parse(path: str, text: str, delimiter: str, width: int | None = None
           ) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, list[str]]:
    """Records of delimited text: ``(cells, row numbers, rejected records, notes)``.

    Every physical record is counted. A record with more fields than the header
    is rejected with its field count. A quote opened and never closed (or
    closed in the middle of a later value, having swallowed the records in
    between) costs the one line it opened on: that line is rejected and reading
    resumes at the next line, so the rows after the break load or are rejected
    each for its own reason. Blank lines are no records. Row numbers count
    records from 1 (the header), as a spreadsheet shows them.
    """
    lines: list[str] | None = None
    chunks: list[pd.DataFrame] = []
    chunk_rows: list[np.ndarray] = []
    bad_rows: list[tuple[int, str]] = []
    notes: list[str] = []
    seq = 0  # records numbered so far (blank lines are none)
    base = 0  # the physical line (0-based) where the text being parsed starts
    rest = text
    resyncs = 0
    quoting = csv.QUOTE_MINIMAL
    while True:
        df, bad, eof = _tokenise(rest, delimiter, width, quoting)
        if width is None:
            width = df.shape[1] or max(bad.values(), default=1)
        total = len(df) + len(bad)
        ords = np.setdiff1d(np.arange(total), np.fromiter(bad, dtype=np.int64, count=len(bad)))
        # physical lines per record: 1 + the line breaks inside its values (a bad record: 1, checked below)
        n_lines = rest.count("\n") + (0 if rest.endswith("\n") else 1)
        span = np.ones(total, dtype=np.int64)
        multi = np.zeros(len(df), dtype=bool)
        typed_break = np.zeros(len(df), dtype=bool)
        if total != n_lines or eof is not None:
            nl = np.zeros(len(df), dtype=np.int64)
            for c in df.columns:
                has = df[c].str.contains("\n", regex=False).to_numpy(dtype=bool)
                if has.any():
                    nl[has] += df[c][has].str.count("\n").to_numpy(dtype=np.int64)
                    if _typed_column(df[c], has, skip=1 if base == 0 else 0):
                        brk = has.copy()
                        brk[:1 if base == 0 else 0] = False  # a header name may wrap over lines
                        typed_break |= brk
            span[ords] = 1 + nl
            multi = nl > 0
        start = base + np.concatenate([[0], np.cumsum(span)[:-1]]).astype(np.int64) if total else np.zeros(0, np.int64)
        problem: int | None = None  # ordinal of the first broken record
        if quoting == csv.QUOTE_MINIMAL and (bad or multi.any() or eof is not None):
            if lines is None:
                lines = text.split("\n")
            for o in sorted(bad):  # the few records with too many fields: do they run on over lines?
                if _ends_quoted(lines[start[o]] if start[o] < len(lines) else "", delimiter):
                    problem = o
                    break
            if multi.any():
                # every line after a record's first starts inside a quoted value: check how it closes
                o = _first_swallowing(_LineList(lines), start, span, ords[multi], delimiter, width)
                if typed_break.any():  # a line break in a column of numbers or dates
                    o = int(ords[typed_break].min()) if o is None else min(o, int(ords[typed_break].min()))
                if o is not None:
                    problem = o if problem is None else min(problem, o)
            if eof is not None:
                problem = eof if problem is None else min(problem, eof)
        stop = total if problem is None else problem
        keep = ords < stop
        part = df.iloc[np.flatnonzero(keep)]
        blank, lines = _blank_records(part, start[ords[keep]], lines, text)
        good_ord = ords[keep][~blank]
        chunks.append(part.iloc[np.flatnonzero(~blank)])
        bad_kept = np.array(sorted(o for o in bad if o < stop), dtype=np.int64)
        # number the records in file order
        order = np.concatenate([good_ord, bad_kept])
        rank = np.empty(len(order), dtype=np.int64)
        rank[np.argsort(order, kind="stable")] = np.arange(len(order))
        numbers = seq + 1 + rank
        chunk_rows.append(numbers[: len(good_ord)])
        for o, num in zip(bad_kept.tolist(), numbers[len(good_ord):].tolist()):
            bad_rows.append((num, f"has {bad[o]} fields where the header has {width} "
                                  "(an unquoted delimiter inside a value?)"))
        seq += len(order)
        if problem is None:
            break
        line_no = int(start[problem])
        seq += 1
        if not any(x.strip() for x in lines[line_no + 1:]):
            bad_rows.append((seq, "the file ends inside a quoted value (a truncated export?)"))
            break
        bad_rows.append((seq, "a quote opened in this row is never closed (or closes inside a later value); "
                              "the row is rejected and reading resumes at the next line"))
        resyncs += 1
        base = line_no + 1
        rest = "\n".join(lines[base:])
        if resyncs >= MAX_RESYNCS:
            quoting = csv.QUOTE_NONE
            notes.append(f"more than {MAX_RESYNCS} rows open a quote they never close: from line {base + 1} on, "
                         "every line is read as one record and quotes are taken literally")
    if resyncs:
        notes.append(f"{resyncs} row(s) open a quote they never close; each was rejected and reading resumed "
                     "at the next line")
    cells = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()
    rows = np.concatenate(chunk_rows) if chunk_rows else np.zeros(0, dtype=np.int64)
    bad_df = pd.DataFrame({"row": pd.Series([b[0] for b in bad_rows], dtype="int64"),
                           "reason": pd.Series([b[1] for b in bad_rows], dtype="str")})
    return cells, rows, bad_df, notes


def _stray_header_quote(text: str, sep: str) -> str | None:
    """The text with a stray quote in the header line taken literally, or None when the header is sound.

    A header line that ends inside a quoted value is either a header name quoted
    over two lines or a stray quote that would swallow the first records into the
    header. It is taken as stray when the next line holds at least the header
    line's delimiters before any quote, or when the header read literally has the
    width of the records that follow it and the header read with the quote does
    not. The header's quotes are then dropped (names rarely hold quotes).
    """
    if sep in (WHITESPACE, FIXED_WIDTH):
        return None
    first, _, rest = text.partition("\n")
    if '"' not in first or not _ends_quoted(first, sep) or first.count(sep) < 1:
        return None
    nxt = rest.partition("\n")[0]
    inside = re.match(r'^(?:[^"]|"")*', nxt).group(0)
    repaired = first.replace('"', "") + "\n" + rest
    if inside.count(sep) >= first.count(sep):
        return repaired
    literal = first.count(sep) + 1
    try:
        quoted = len(next(csv.reader(io.StringIO(text[:65536]), delimiter=sep)))
        # each line on its own: a stray quote in one record must not swallow the others
        records = [len(next(csv.reader([ln], delimiter=sep), []))
                   for ln in rest[:65536].split("\n")[1:21] if ln.strip()]
    except (csv.Error, StopIteration):
        return None
    if len(records) < 2:
        # too few records to weigh widths: a header that swallows the whole file (no record read with
        # the quote) while a later line holds the header's delimiters read literally is no header
        try:
            whole = sum(1 for row in csv.reader(io.StringIO(text[:65536]), delimiter=sep) if row)
        except csv.Error:
            return None
        later = [ln for ln in rest[:65536].split("\n") if ln.strip()]
        if whole == 1 and len(text) <= 65536 and any(ln.count(sep) >= first.count(sep) for ln in later):
            return repaired
        return None
    fits = sum(n in (literal, literal + 1) for n in records)  # + 1: Excel's trailing delimiter
    if fits * 2 > len(records) and quoted not in (literal, literal + 1):
        return repaired
    return None


def _parse_text(path: str, text: str, delimiter: str) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, list[str]]:
    """:func:`_parse`, or the fixed-width reading; with Excel's trailing delimiter on data rows allowed."""
    if delimiter == FIXED_WIDTH:
        return _parse_fixed(text)
    repaired = _stray_header_quote(text, delimiter)
    if repaired is not None:
        cells, rows, bad, notes = _parse_text(path, repaired, delimiter)
        return cells, rows, bad, ["the header row opens a quote it never closes (it would swallow the first "
                                  "records); its quotes are taken literally", *notes]
    try:
        cells, rows, bad, notes = _parse(path, text, delimiter, width=_trailing_width(text, delimiter))
    except pd.errors.ParserError as exc:
        raise ExportError(path, f"cannot be parsed as a table ({str(exc).strip()[:200]})",
                          expected=f"a delimited text export ({delimiter!r}-separated)") from None
    if len(bad) and not cells.empty and not notes:
        k = cells.shape[1]
        if bad["reason"].str.startswith(f"has {k + 1} fields where the header has {k} ").all():
            # rows ending in a delimiter the header lacks (Qualtrics, Excel): one more, empty column
            cells2, rows2, bad2, notes2 = _parse(path, text, delimiter, width=k + 1)
            if not len(bad2) and (cells2[k].str.strip() == "").all():
                return cells2, rows2, bad2, notes2
    if not len(cells) and not len(bad):
        raise ExportError(path, "the file is empty", expected="an export with a header row and data rows")
    return cells, rows, bad, notes


def _trailing_width(text: str, delimiter: str) -> int | None:
    """Header fields + 1 when the data rows end in a delimiter the header row lacks (Qualtrics, Excel), else None.

    Decided from the first records (Python's csv reader on a sample), so that a
    record quoted over several lines is measured against the right width; only
    records on one line count as evidence.
    """
    if delimiter == WHITESPACE:
        return None
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    try:
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter)][:200]
    except csv.Error:
        return None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        return None
    k = len(rows[0])
    data = rows[1:]
    # records quoted over lines are no evidence: a stray quote makes one of them from several records
    single = [r for r in data if not any("\n" in c for c in r)]
    trailing = sum(1 for r in single if len(r) == k + 1 and not r[-1].strip())
    return k + 1 if trailing > len(single) / 2 and all(len(r) <= k + 1 for r in data) else None


def _parse_fixed(text: str) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, list[str]]:
    """Columns at the character positions every line leaves blank between them."""
    lines = pd.Series(text.split("\n"), dtype="str")
    lines = lines[lines.str.strip() != ""].reset_index(drop=True)
    spans = _fixed_columns(lines.head(2000).tolist())
    cells = pd.DataFrame({i: lines.str.slice(a, b).str.strip() for i, (a, b) in enumerate(spans)})
    cells[len(spans) - 1] = lines.str.slice(spans[-1][0]).str.strip()  # the last column runs to the line end
    notes = [f"fixed-width text: {len(spans)} columns at character positions "
             + ", ".join(f"{a + 1}-{b}" for a, b in spans[:-1]) + f", {spans[-1][0] + 1}-"]
    empty = pd.DataFrame({"row": pd.Series(dtype="int64"), "reason": pd.Series(dtype="str")})
    return cells, np.arange(1, len(cells) + 1), empty, notes


def _fixed_columns(sample: list[str]) -> list[tuple[int, int]]:
    """Character spans of the columns: runs of positions not blank on every line of ``sample``."""
    width = max((len(s) for s in sample), default=0)
    if width == 0:
        return []
    grid = np.array([list(s.ljust(width)) for s in sample if s.strip()], dtype="<U1")
    used = (grid != " ") & (grid != "\t")
    col = used.any(axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], col.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[0::2], edges[1::2])]


def sniff_layout(text: str) -> str:
    """The delimiter of ``text``: one of ``, ; TAB |``, else :data:`WHITESPACE` or :data:`FIXED_WIDTH`.

    Fields separated by runs of spaces (the CDNOW purchase log) are
    whitespace-separated; columns aligned at fixed positions with some values
    blank are fixed-width. Text that fits neither is read as one
    comma-separated column (and refused later by the reader, with its columns).

    Examples
    --------
    >>> sniff_layout("00001 19970101  1  11.77\\n00002 19970112  5  77.00\\n")
    '\\\\s+'
    >>> sniff_layout("id   name    amount\\n1    Anna    12.50\\n2            3.00\\n")
    'fixed-width'
    """
    best, score = _sniff(text)
    if score >= 0:
        return best
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    lines = [ln for ln in sample.split("\n")[:200] if ln.strip()]
    if len(lines) < 2:
        return best
    counts = np.array([len(ln.split()) for ln in lines])
    vals, freq = np.unique(counts, return_counts=True)
    mode = int(vals[np.argmax(freq)])
    if mode >= 2 and freq.max() == len(counts):
        return WHITESPACE
    spans = _fixed_columns(lines)
    if len(spans) >= 2 and mode >= 2 and all("\t" not in ln for ln in lines):
        return FIXED_WIDTH
    if mode >= 2 and freq.max() / len(counts) >= 0.9:
        return WHITESPACE
    return best


def _sniff(text: str) -> tuple[str, float]:
    """(delimiter, consistency) of the best of ``, ; TAB |``; consistency -1 when none splits the lines.

    The records are parsed both as a whole (values quoted over lines) and line by
    line (a stray quote then swallows nothing); the better reading counts.
    """
    sample = text[:65536]
    # cut at the last complete line
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    best, best_score = ",", (-1.0, 0)
    lines = [ln for ln in sample.split("\n")[:60] if ln.strip()]
    for d in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=d))[:60]
            # each line on its own as well: a stray quote in one record must not hide the others' fields
            alone = [next(csv.reader([ln], delimiter=d), []) for ln in lines]
        except csv.Error:
            continue
        for parsed in (rows, alone):
            counts = [len(r) for r in parsed if r]
            if not counts:
                continue
            vals, freq = np.unique(counts, return_counts=True)
            mode = int(vals[np.argmax(freq)])
            if mode < 2:
                continue
            score = (freq.max() / len(counts), mode)
            if score > best_score:
                best, best_score = d, score
    return best, best_score[0]


def read_raw(path: str | PathLike, *, encoding: str | None = None, delimiter: str | None = None,
             sheet: str | int | None = None,
             let_go: Callable[[pd.DataFrame], Iterable[int]] | None = None) -> RawTable:
    """Read any tabular export (CSV/TSV in any common encoding, zip, .xlsx) as strings.

    Parameters
    ----------
    path : str or PathLike
    encoding : str, optional
        Force an encoding; detected otherwise (BOM, UTF-16 by NUL pattern,
        strict UTF-8, then the most likely legacy code page).
    delimiter : str, optional
        Force a delimiter; otherwise the one Excel's ``sep=`` first line names,
        else sniffed among ``, ; TAB |``, else whitespace-separated
        (:data:`WHITESPACE`) or fixed-width text (:data:`FIXED_WIDTH`).
    sheet : str, int or callable, optional
        Worksheet of an .xlsx file: its name or 0-based position; or a
        function scoring a sheet's cells (``fit(cells) -> float``, see
        :func:`csanalysis.io.tools.sheet_fit`), and the best-scoring sheet is
        read. By default the sheet that looks most like a data table (not a
        data dictionary). The note names the sheet read and the others.
    let_go : callable, optional
        For a reader that drops some columns whatever they hold further
        down: given the cells of the file's first block (header row
        included), it names those columns by position. On a large plain
        UTF-8 file (:func:`_read_fast`, more than two blocks) their values
        below the first block are then never parsed: each keeps its header
        cell and reads as ``''`` below it. Everywhere else it is not called.

    Returns
    -------
    RawTable
        ``cells`` has integer column labels and one row per record, header
        rows included; ``row_numbers`` gives each record's row number in the
        file (1 = first line).

    A :class:`pandas.DataFrame` (or :class:`FrameInput`) in place of ``path``
    is an already-parsed table: its column names are the first record.
    """
    if isinstance(path, (pd.DataFrame, FrameInput)):
        src = as_input(path)
        cells = frame_cells(src.frame)
        return RawTable(str(src), cells, np.arange(1, len(cells) + 1), None, None,
                        notes=[f"read from a DataFrame ({src.frame.shape[0]} rows, {src.frame.shape[1]} columns); "
                               "its values taken as text and parsed like a file's"])
    spath = str(path)
    block = current_block()
    if encoding is None and (sheet is None or callable(sheet)):
        fast = _read_fast(spath, delimiter, let_go)
        if fast is not None:
            return fast
    if block is not None:  # a block of a larger file is read only as the fast path reads the whole file
        raise NotBlockSafe(f"{spath}: not a plain, regular UTF-8 delimited block")
    data, name = read_bytes(path)
    _refuse_binary(spath, data)
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(spath, data, sheet)
    text, enc, notes = decode_text(spath, data, encoding)
    _looks_binary(spath, text)
    if text.startswith("\ufeff"):
        text = text[1:]
    text, sep_line, more = _preamble(text)
    notes += more
    delim = delimiter or sep_line or sniff_layout(text)
    if delim == WHITESPACE:
        notes.append("fields separated by runs of spaces (whitespace-separated text)")
    cells, rows, bad, more = _parse_text(spath, text, delim)
    notes += more
    cells = cells.reset_index(drop=True).astype("str")  # all-missing columns come back as float
    return RawTable(spath, cells, rows, enc, delim, bad, notes)


#: Bytes of the file pyarrow parses per block on the fast path. A block's column chunks are then large enough
#: (offsets of about 0.7 MB each for a 79-column export) for pyarrow's allocator (mimalloc) to hand their pages
#: back to the system when a column is let go: it keeps the pages of freed buffers up to 512 kB while their
#: neighbours live. Measured on a 300,000-customer Shopify export: read_activity peaks 2,133 MB above its start
#: with 16 MB blocks (whose chunks are under 512 kB), 1,921 MB with 32 MB and 1,908 MB with 64 MB blocks; the
#: parse takes longer with larger blocks (about 4.5, 5.9 and 7.0 s).
_BLOCK_BYTES = 1 << 25

#: Bytes read to decide encoding, binary-ness and delimiter on the fast path: enough for the
#: 65,536 characters :func:`sniff_delimiter` looks at, whatever their UTF-8 width.
_HEAD_BYTES = 4 * 65536 + 4


def _read_fast(path: str, delimiter: str | None,
               let_go: Callable[[pd.DataFrame], Iterable[int]] | None = None) -> RawTable | None:
    """A plain UTF-8 delimited file parsed by pyarrow straight from disk, or None.

    The result is exactly what the general path below gives (same cells, same
    row numbers); any file that is not plain and regular (not UTF-8, a BOM
    other than UTF-8's, a zip or workbook, rows of differing field counts,
    whitespace-only lines, a one-column table, a truncated quote) returns None
    and takes the general path, which knows how to report it. ``let_go``: see
    :func:`read_raw` and :func:`_parse_letting_go`.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    p = Path(path)
    try:
        if not p.is_file():
            return None
        with open(p, "rb") as f:
            head = f.read(_HEAD_BYTES)
            whole = len(f.read(1)) == 0
    except OSError:
        return None
    if not head.strip() or head[:4] == b"PK\x03\x04" or any(head.startswith(m) for m, _ in _MAGIC):
        return None
    skip = 0
    enc = "utf-8"
    if head.startswith(codecs.BOM_UTF8):
        skip, enc = len(codecs.BOM_UTF8), "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)):
        return None
    h4 = head[:4096]
    if h4.count(b"\x00") > len(h4) // 4 or b"\x00" in head:
        return None
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head[skip:], final=whole)
    except UnicodeDecodeError:
        return None
    if not whole and len(text) <= 65536:
        return None
    if text.startswith(("\ufeff", "sep=", '"sep=')) or (delimiter is not None and delimiter not in DELIMITERS):
        return None
    _looks_binary(path, text)
    delim = delimiter or sniff_delimiter(text)
    try:
        first = next(csv.reader(io.StringIO(text), delimiter=delim, quotechar='"', doublequote=True))
    except (csv.Error, StopIteration):
        return None
    k = len(first)
    if k < 2 or "\r" in text.replace("\r\n", "") or _ends_quoted(text.partition("\n")[0].rstrip("\r"), delim):
        return None  # (a header quoted over lines, or with a stray quote: the general path decides)
    names = [f"f{i}" for i in range(k)]

    def open_blocks(newlines_in_values: bool, include: list[str] | None = None, use_threads: bool = True):
        return pacsv.open_csv(
            p,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=0, block_size=_BLOCK_BYTES,
                                           use_threads=use_threads),
            parse_options=pacsv.ParseOptions(delimiter=delim, quote_char='"', double_quote=True, escape_char=False,
                                             newlines_in_values=newlines_in_values, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                                 include_columns=include or [],
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                 check_utf8=True),
        )

    def parse(include: list[str] | None = None):
        def blocks(newlines_in_values: bool):
            # block by block: a block's columns without text go on the shared zero buffer before the next is read
            read = [_share_blank_chunks(b, i == 0) for i, b in enumerate(open_blocks(newlines_in_values, include))]
            return pa.concat_tables(read) if read else pa.table(
                {n: pa.array([], pa.large_string()) for n in include or names})

        try:
            # quoted line breaks are parsed either way; the option only makes pyarrow split the
            # file into blocks more carefully (slower), so it is used when a block split needs it
            return blocks(False)
        except pa.ArrowInvalid as exc:
            if "out of sync" not in str(exc):
                raise
            return blocks(True)

    lines = None
    try:
        table = None
        if let_go is not None and p.stat().st_size > 2 * _BLOCK_BYTES:
            table, lines = _parse_letting_go(p, names, skip, let_go, open_blocks, parse)
        if table is None:
            table = parse()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OSError):
        return None
    if skip and table.num_rows and str(table.column(0)[0].as_py()).startswith("\ufeff"):
        return None  # pyarrow skips a UTF-8 BOM; should a version not, take the general path
    if table.num_rows and not _closed_at_end(p, str(table.column(k - 1)[-1].as_py())):
        return None  # perhaps a quote left open at the end: the general path rejects that record
    if not _no_swallowing(p, table, delim, skip, lines):
        return None  # a stray quote swallowed records (or blank lines): the general path resyncs
    cells = table.to_pandas(self_destruct=True)
    del table
    release_memory()  # the parser's buffers (pyarrow keeps freed pages for reuse)
    cells.columns = pd.RangeIndex(k)
    notes: list[str] = []
    return RawTable(path, cells, np.arange(1, len(cells) + 1), enc, delim, notes=notes)


def _parse_letting_go(p: Path, names: list[str], skip: int, let_go, open_blocks, parse):
    """The fast path's table without the columns ``let_go`` names from the first block, or ``(None, None)``.

    ``let_go`` sees the first block's cells (header row included) and names columns by position; the
    last column is always parsed (:func:`_closed_at_end` reads it). The others are left out of the parse
    (pyarrow's ``include_columns``) and come back as their header cell over ``''`` on the shared zero
    buffer, so the caller's table has every column in place. The parse then checks nothing in the
    columns left out, so the file's bytes are checked instead (:func:`_file_lines`): when the file is
    not valid UTF-8, or a record spans lines (a line break in a value the parse skipped would go
    uncounted by :func:`_no_swallowing`), this returns ``(None, None)`` and the whole file is parsed as
    before. Also returns the file's line count, for :func:`_no_swallowing`.
    """
    import pyarrow as pa

    try:  # (one thread: with more, pyarrow reads blocks ahead that are never used)
        first = next(iter(open_blocks(False, use_threads=False)), None)
    except pa.ArrowInvalid:
        return None, None
    if first is None or first.num_rows < 2:
        return None, None
    cells = first.to_pandas()
    cells.columns = pd.RangeIndex(len(names))
    gone = sorted({int(i) for i in let_go(cells) if 0 <= int(i) < len(names) - 1})
    del cells
    if not gone:
        return None, None
    headers = {i: pa.array([first.column(i)[0].as_py()], type=pa.large_string()) for i in gone}  # (a copy)
    del first
    table = parse([n for i, n in enumerate(names) if i not in headers])
    lines = _file_lines(p, skip, utf8=True)
    if lines is None or lines != table.num_rows:
        return None, None
    blank = _shared_blank(max(table.num_rows - 1, 0), False)
    for i in gone:  # in the file's order, so each lands at its own position
        table = table.add_column(i, names[i], pa.chunked_array([headers[i], blank], type=pa.large_string()))
    return table, lines


def _file_lines(p: Path, skip: int = 0, utf8: bool = False) -> int | None:
    """The file's line count (a last line without its line break counted), read in 16 MB pieces.

    ``utf8``: also check that its bytes after ``skip`` are valid UTF-8 (each piece by Arrow, up to its last
    line break), and return None when they are not.
    """
    import pyarrow as pa

    def valid(piece: bytes) -> bool:
        try:
            pa.array([piece], pa.large_binary()).cast(pa.large_string())
        except pa.ArrowInvalid:
            return False
        return True

    lines, rest, last = 0, b"", b""
    with open(p, "rb") as f:
        f.seek(skip)
        for block in iter(lambda: f.read(1 << 24), b""):
            lines += block.count(b"\n")
            last = block[-1:]
            if utf8:
                block = rest + block
                cut = block.rfind(b"\n") + 1
                rest = block[cut:]
                if not valid(block[:cut]):
                    return None
    if utf8 and not valid(rest):
        return None
    return lines + (last != b"\n" and last != b"")


# --------------------------------------------------------------------------- columns without text
# Real exports carry many columns with no value at all (Shopify's Tax 2-5 Name, Duties, Payment References ...).
# As Arrow text every cell still costs an 8-byte offset: 26 such columns of a 6M-line order export hold 1.2 GB
# of zeros. Their blocks share one zero-filled buffer instead (calloc'd: its pages cost nothing until read), and
# so do the blocks of any column that has no text in them.
_ZEROS: list = [None]


def _zeros(nbytes: int):
    """A read-only Arrow buffer of at least ``nbytes`` zero bytes, shared by every caller."""
    import pyarrow as pa

    if _ZEROS[0] is None or _ZEROS[0].size < nbytes:
        _ZEROS[0] = pa.py_buffer(np.zeros(max(nbytes, 1 << 20) // 8 + 1, dtype=np.int64))
    return _ZEROS[0]


def _shared_blank(n: int, missing: bool):
    """An Arrow large_string array of ``n`` '' (or, ``missing``, null) values on the shared zero buffer."""
    import pyarrow as pa

    z = _zeros((n + 1) * 8)
    return pa.Array.from_buffers(pa.large_string(), n, [z if missing else None, z, pa.py_buffer(b"")],
                                 null_count=n if missing else 0)


def _chunk_text_bytes(chunk, start: int = 0) -> int:
    """Bytes of text in ``chunk[start:]`` (a large_string array), read from its offsets."""
    off = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
    return int(off[chunk.offset + len(chunk)] - off[chunk.offset + min(start, len(chunk))])


def _share_blank_chunks(batch, first: bool):
    """``batch`` (a RecordBatch of large_string columns without nulls) as a table whose columns have no text
    (below the header line, in the ``first`` batch) rebuilt on the shared zero buffer: the same cells, without
    8 bytes of offset per cell."""
    import pyarrow as pa

    skip = 1 if first else 0  # the header line stays as it is
    cols = []
    for col in batch.columns:
        if len(col) > skip and not col.null_count and _chunk_text_bytes(col, skip) == 0:
            col = pa.chunked_array(([col.slice(0, 1)] if skip else []) + [_shared_blank(len(col) - skip, False)],
                                   type=pa.large_string())
        cols.append(col)
    return pa.Table.from_arrays(cols, names=batch.schema.names)


def blank_text(s: pd.Series) -> bool:
    """Whether an Arrow-backed text Series holds no text: every value '' or missing (False for other dtypes).

    Read from the Arrow offsets, without a pass over the values.
    """
    try:
        import pyarrow as pa

        arr = s.array._pa_array
        if not isinstance(arr, pa.ChunkedArray) or not pa.types.is_large_string(arr.type):
            return False
    except (AttributeError, ImportError):
        return False
    return all(_chunk_text_bytes(c) == 0 for c in arr.chunks)


def empty_as_missing(s: pd.Series) -> pd.Series:
    """``s.replace("", np.nan)``, with ``s`` itself when no value is ``''``; Arrow text in one pyarrow pass.

    pandas' ``replace`` of Arrow text compares every value twice (the check for ``''``, then the
    replacement) and builds the result through a slower path; pyarrow compares once and selects.

    Examples
    --------
    >>> empty_as_missing(pd.Series(["a", "", None], dtype="str")).tolist()
    ['a', nan, nan]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = arrow_text(s)
    if arr is None:
        return s.replace("", np.nan) if (s == "").any() else s
    empty = pc.fill_null(pc.equal(arr, ""), False)
    if not pc.any(empty).as_py():
        return s
    out = pc.if_else(empty, pa.scalar(None, arr.type), arr)
    return pd.Series(pd.array(out, dtype=s.dtype), index=s.index, name=s.name, copy=False)


def missing_text(n: int) -> pd.Series:
    """A text Series (pandas ``str``) of ``n`` missing values that costs no memory (the shared zero buffer)."""
    return pd.Series(_shared_blank(n, True).to_pandas(), copy=False)


#: A kept text column becomes categorical when it has at most one distinct value per this many rows
#: (:func:`repeated_as_categories`).
CATEGORY_RATIO = 10


def distinct_text(s: pd.Series) -> pd.Series:
    """The distinct values of a column as text, in order of first appearance (missing kept once).

    ``s.astype("str").drop_duplicates()`` with a new index; Arrow text is hashed by pyarrow once (pandas'
    ``drop_duplicates`` marks every row first, about four times slower on an export's name columns).

    Examples
    --------
    >>> distinct_text(pd.Series(["Ann", "Bo", "Ann", None], dtype="str")).tolist()
    ['Ann', 'Bo', nan]
    """
    import pyarrow.compute as pc

    t = s.astype("str")
    arr = getattr(t.array, "_pa_array", None)
    if arr is None:
        return t.drop_duplicates().reset_index(drop=True)
    return pd.Series(pd.array(pc.unique(arr), dtype=t.dtype), name=s.name)


def repeated_as_categories(s: pd.Series, ratio: int = CATEGORY_RATIO) -> pd.Series:
    """A text column (pandas ``str``) whose values repeat, as a categorical of its sorted distinct values.

    Exports repeat a few values down long columns (a status, a shipping method,
    a country, a tax name): as Arrow text every cell costs its bytes and an
    8-byte offset, as a categorical one or two bytes. A column with at most one
    distinct value per ``ratio`` rows becomes categorical (categories in sorted
    order, so the same values give the same dtype whatever the row order); a
    column with no text at all becomes :func:`missing_text` (no memory); any
    other column, or one not held as Arrow text, is returned as it is. The
    values (and missing values) are the same either way.

    Examples
    --------
    >>> s = pd.Series(["paid", "paid", None, "refunded"] * 5, dtype="str")
    >>> c = repeated_as_categories(s)
    >>> str(c.dtype), list(c.cat.categories), c.isna().sum(), c.astype("str").equals(s)
    ('category', ['paid', 'refunded'], np.int64(5), True)
    >>> repeated_as_categories(pd.Series(["a", "b", "c"], dtype="str")).dtype
    <StringDtype(na_value=nan)>
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = s.array._pa_array
    except AttributeError:
        return s
    if not isinstance(arr, pa.ChunkedArray) or not pa.types.is_large_string(arr.type) or not len(s):
        return s
    # a column with more distinct values than that in its first rows has more in all (ids, timestamps, notes,
    # every value distinct): told from a prefix of about twice the limit, without hashing the whole column
    head = 2 * (len(s) // ratio + 1)
    if head < len(s) and pc.count_distinct(arr.slice(0, head)).as_py() * ratio > len(s):
        return s
    # one hash pass finds the distinct values; the codes are a lookup in their sorted (UTF-8 byte, i.e. code
    # point) order, the categories and codes ``pd.factorize(s, sort=True)`` gives, at a third of its time
    uniques = pc.drop_null(pc.unique(arr))
    k = len(uniques)
    if k == 0:
        return missing_text(len(s)).set_axis(s.index).rename(s.name)
    if k * ratio > len(s):
        return s
    return as_categories(s, uniques.take(pc.sort_indices(uniques)))


def as_categories(s: pd.Series, categories: Any) -> pd.Series:
    """An Arrow text column as a categorical of ``categories`` (a pyarrow array of its distinct values, sorted:
    :func:`repeated_as_categories`' dtype; each block of a file read in blocks takes the whole file's)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = s.array._pa_array
    codes = pc.fill_null(pc.index_in(arr, value_set=categories), -1)
    codes = (codes.combine_chunks() if isinstance(codes, pa.ChunkedArray) else codes).to_numpy()
    dtype = pd.CategoricalDtype(pd.Index(pd.array(categories, dtype=s.dtype)))
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=s.index, name=s.name, copy=False)


def _no_swallowing(path: Path, table, delim: str, skip: int, lines: int | None = None) -> bool:
    """Whether no value quoted over several lines began at a stray quote (see :func:`_first_swallowing`).

    True at once when no value holds a line break; else the file's lines are
    checked where records continue. False also when blank lines make the
    record-to-line mapping uncertain. ``lines``: the file's line count, when
    already known.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if lines is None:
        lines = _file_lines(path)
    if lines == table.num_rows:  # one record per line (the common case): nothing spans lines
        return True
    nl = None
    for col in table.columns:
        if pc.any(pc.match_substring(col, "\n")).as_py():
            c = pc.count_substring(col, "\n").to_numpy(zero_copy_only=False).astype(np.int64)
            nl = c if nl is None else nl + c
            if _typed_column(col.to_pandas(), c > 0, skip=1):
                return False
    if nl is None:
        return True
    by_number = _ByteLines(path, skip)  # (the file read a step at a time: its bytes are never held whole)
    span = 1 + nl
    if int(span.sum()) != len(by_number) - (by_number.last == b"\n"):
        return False
    start = np.concatenate([[0], np.cumsum(span)[:-1]])
    try:
        return _first_swallowing(by_number, start, span, np.flatnonzero(nl > 0), delim, table.num_columns) is None
    except pa.ArrowInvalid:
        return False  # (bytes that are not UTF-8 after all: the general path decides)


def _closed_at_end(path: Path, last: str) -> bool:
    """Whether the file surely does not end inside a quoted value, given its last parsed cell.

    A quote left open swallows the rest of the file into the last cell, so that
    cell then ends where the file ends: with its final line break, or right
    after an opening quote. False means "cannot be sure" (the general path decides).
    """
    raw = last.encode("utf-8")
    size = path.stat().st_size
    with open(path, "rb") as f:
        f.seek(max(size - len(raw) - 2, 0))
        tail = f.read()
    if tail.endswith(b"\n"):
        return not last.endswith("\n")
    if tail.endswith(b'"') or any(ch in last for ch in '"\r\n'):
        return False
    return tail.endswith(raw) and not tail[: len(tail) - len(raw)].endswith(b'"')


def _sheet_cells(cells: pd.DataFrame) -> pd.DataFrame:
    cells = cells.astype("str")
    cells = cells[(cells.fillna("").apply(lambda c: c.str.strip()) != "").any(axis=1)].reset_index(drop=True)
    cells.columns = range(cells.shape[1])
    return cells


def _default_fit(cells: pd.DataFrame) -> float:
    """A data table scores its rows; a data dictionary (Variable, Description, ...) scores below any table."""
    from .tools import is_data_dictionary

    first = cells.iloc[0].tolist() if len(cells) else []
    return (-1.0 if is_data_dictionary(first) else 0.0) + min(len(cells), 10_000) / 100_000


def _read_xlsx(path: str, data: bytes, sheet) -> RawTable:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl style warnings
            book = pd.ExcelFile(io.BytesIO(data), engine="openpyxl")
            names = list(book.sheet_names)
            if isinstance(sheet, str) and not callable(sheet) and sheet not in names:
                raise ExportError(path, f"the workbook has no sheet named {sheet!r}; its sheets are {names}",
                                  expected="sheet= naming one of them (or its 0-based position)")
            if isinstance(sheet, (int, np.integer)) and not 0 <= int(sheet) < len(names):
                raise ExportError(path, f"sheet={int(sheet)} but the workbook has {len(names)} sheet(s) {names}",
                                  expected="a 0-based sheet position below the number of sheets, or a sheet name")
            wanted = names if sheet is None or callable(sheet) else [
                sheet if isinstance(sheet, str) else names[int(sheet)]]
            sheets = {n: _sheet_cells(book.parse(n, header=None, dtype=str, keep_default_na=False,
                                                 na_filter=False)) for n in wanted}
    except ExportError:
        raise
    except Exception as exc:  # openpyxl raises many types on damaged files
        raise ExportError(path, f"cannot be read as an Excel workbook ({type(exc).__name__}: {exc})",
                          expected="a .xlsx workbook saved by Excel, Google Sheets or a survey tool") from None
    notes: list[str] = []
    filled = {n: c for n, c in sheets.items() if not c.empty}
    if len(wanted) == 1:
        chosen = wanted[0]
        if len(names) > 1:
            notes.append(f"sheet {chosen!r} read (sheet= given); the workbook's other sheets: "
                         + ", ".join(repr(n) for n in names if n != chosen))
    elif not filled:
        chosen = names[0]
    else:
        fit = sheet if callable(sheet) else _default_fit
        scores = {n: float(fit(c)) for n, c in filled.items()}
        chosen = max(filled, key=lambda n: (scores[n], -names.index(n)))
        if len(names) > 1:
            others = ", ".join(repr(n) + ("" if n in filled else " (empty)") for n in names if n != chosen)
            notes.append(f"workbook with {len(names)} sheets: sheet {chosen!r} read, as its content fits this "
                         f"reader best; the other sheets: {others}; pass sheet= to read another")
    cells = sheets[chosen]
    if cells.empty:
        raise ExportError(path, f"the workbook's sheet {chosen!r} is empty",
                          expected="a sheet with a header row and data rows")
    return RawTable(path, cells, np.arange(1, len(cells) + 1), "xlsx", None, notes=notes, sheet=chosen)


def dedupe_names(names: list[str]) -> list[str]:
    """Repeated names get `` (2)``, `` (3)`` ... (the first keeps its name).

    Examples
    --------
    >>> dedupe_names(["Q1", "Q2", "Q1", "Q1"])
    ['Q1', 'Q2', 'Q1 (2)', 'Q1 (3)']
    """
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n} ({seen[n]})")
        else:
            seen[n] = 1
            out.append(n)
    return out


def read_table(path, *, encoding: str | None, sheet,
               let_go: Callable[[pd.DataFrame], Iterable[int]] | None = None) -> RawTable:
    """:func:`read_raw`, preferring Windows-1252 when another Western code page fits no better.

    ``read_raw`` asks charset-normalizer to choose among legacy code pages;
    on short Danish/German files it ties cp1250 with cp1252 and returns
    cp1250 (``Beløb`` becomes ``Belřb``). Excel in Western Europe writes
    cp1252, so on a tie cp1252 wins. ``let_go``: see :func:`read_raw`.
    """
    raw = read_raw(path, encoding=encoding, sheet=sheet, let_go=let_go)
    if encoding is None and raw.encoding in ("cp1250", "iso8859_15", "mac_roman"):
        from charset_normalizer import from_bytes

        blob, _ = read_bytes(path)
        found = {m.encoding: m for m in from_bytes(blob[:200_000], cp_isolation=[raw.encoding, "cp1252"])}
        mine = found.get("cp1252") or found.get("windows_1252")
        other = found.get(raw.encoding) or next((m for e, m in found.items() if e not in ("cp1252", "windows_1252")), None)
        if mine is not None and (other is None or (mine.chaos <= other.chaos and mine.coherence >= other.coherence)):
            was = raw.encoding
            raw = read_raw(path, encoding="cp1252", sheet=sheet)
            raw.notes.append(f"not UTF-8; decoded as cp1252 (Windows-1252 fits at least as well as {was})")
    return raw


def header_cells(cells: pd.DataFrame, row: int = 0) -> list[str]:
    """The cells of a header row as :func:`promote_header` reads them: text, stripped, '' when missing."""
    return [("" if pd.isna(v) else str(v)).strip() for v in cells.iloc[row].tolist()]


def column_names(header: list[str]) -> list[str]:
    """The column names :func:`promote_header` gives a header row: ``column 3`` for an empty cell, and
    repeated names told apart (:func:`dedupe_names`)."""
    return dedupe_names([h if h else f"column {i + 1}" for i, h in enumerate(header)])


def promote_header(raw: RawTable, header_rows: int = 1) -> tuple[pd.DataFrame, np.ndarray, list[list[str]]]:
    """Split header rows off a :class:`RawTable`.

    Returns ``(data, row_numbers, headers)``: ``data`` is named by the first
    header row (stripped; repeated names get `` (2)``, `` (3)``; a trailing
    unnamed, empty column is dropped), ``headers`` holds every header row.
    """
    cells = raw.cells
    if len(cells) < header_rows:
        raise ExportError(raw.path, f"has {len(cells)} row(s), fewer than the {header_rows} header row(s) of this format",
                          expected="an export with its header")
    headers = [header_cells(cells, i) for i in range(header_rows)]
    data = cells.iloc[header_rows:].reset_index(drop=True)
    names = headers[0]
    keep = list(range(len(names)))
    while keep and names[keep[-1]] == "" and (data[keep[-1]].fillna("").str.strip() == "").all():
        keep.pop()
    data = data[keep]
    data.columns = column_names(names[:len(keep)])
    headers = [[h[i] for i in keep] for h in headers]
    return data, raw.row_numbers[header_rows:], headers
