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
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ExportError

__all__ = ["RawTable", "read_raw", "read_table", "read_bytes", "decode_text", "promote_header", "dedupe_names",
           "sniff_delimiter"]

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
    sample = text[:65536]
    # cut at the last complete line
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    best, best_score = ",", (-1.0, 0)
    for d in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=d))[:60]
        except csv.Error:
            continue
        counts = [len(r) for r in rows if r]
        if not counts:
            continue
        vals, freq = np.unique(counts, return_counts=True)
        mode = int(vals[np.argmax(freq)])
        if mode < 2:
            continue
        score = (freq.max() / len(counts), mode)
        if score > best_score:
            best, best_score = d, score
    return best


_BAD_LINE = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")
_EOF_QUOTE = re.compile(r"EOF inside string starting (?:at|on) (?:row|line) (\d+)", re.I)


def _parse(path: str, text: str, delimiter: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    bad: list[tuple[int, str]] = []

    def run(t: str) -> pd.DataFrame:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            df = pd.read_csv(
                io.StringIO(t), sep=delimiter, header=None, dtype=str, keep_default_na=False,
                na_filter=False, engine="c", on_bad_lines="warn", skip_blank_lines=True,
                quotechar='"', doublequote=True,
            )
        for w in caught:
            for m in _BAD_LINE.finditer(str(w.message)):
                bad.append((int(m.group(1)),
                            f"has {m.group(3)} fields where the header has {m.group(2)} "
                            "(an unquoted delimiter inside a value?)"))
        return df

    try:
        df = run(text)
    except pd.errors.EmptyDataError:
        raise ExportError(path, "the file is empty", expected="an export with a header row and data rows") from None
    except pd.errors.ParserError as exc:
        m = _EOF_QUOTE.search(str(exc))
        if not m:
            raise ExportError(path, f"cannot be parsed as a table ({str(exc).strip()})",
                              expected=f"a delimited text export ({delimiter!r}-separated)") from None
        start = int(m.group(1))
        # Keep every complete record before the unterminated one; reject the rest.
        lines = text.splitlines(keepends=True)
        head = "".join(lines[:start])  # pandas counts lines from 0: lines[:start] are complete
        df = run(head) if head.strip() else pd.DataFrame()
        bad.append((len(df) + 1, "the file ends inside a quoted value (a truncated export?)"))
    if bad and all(r.startswith("has ") for _, r in bad):
        # Rows ending in a delimiter the header lacks (Qualtrics, Excel): one more, empty column.
        counts = {int(m.group(2)) - int(m.group(1)) for m in
                  (re.match(r"has (\d+) fields where the header has (\d+)", r) for _, r in bad) if m}
        if counts == {-1} and not df.empty:
            extra = df.shape[1] + 1
            retry = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=list(range(extra)), dtype=str,
                                keep_default_na=False, na_filter=False, engine="c", skip_blank_lines=True,
                                quotechar='"', doublequote=True)
            if (retry[extra - 1].fillna("").str.strip() == "").all():  # only empty trailing fields
                bad = []
                df = retry
    bad_df = pd.DataFrame({"row": pd.Series([b[0] for b in bad], dtype="int64"),
                           "reason": pd.Series([b[1] for b in bad], dtype="str")})
    return df, bad_df


def read_raw(path: str | PathLike, *, encoding: str | None = None, delimiter: str | None = None,
             sheet: str | int | None = None) -> RawTable:
    """Read any tabular export (CSV/TSV in any common encoding, zip, .xlsx) as strings.

    Parameters
    ----------
    path : str or PathLike
    encoding : str, optional
        Force an encoding; detected otherwise (BOM, UTF-16 by NUL pattern,
        strict UTF-8, then the most likely legacy code page).
    delimiter : str, optional
        Force a delimiter; sniffed otherwise among ``, ; TAB |``.
    sheet : str or int, optional
        Worksheet of an .xlsx file (first by default).

    Returns
    -------
    RawTable
        ``cells`` has integer column labels and one row per record, header
        rows included; ``row_numbers`` gives each record's row number in the
        file (1 = first line).
    """
    spath = str(path)
    if encoding is None and sheet is None:
        fast = _read_fast(spath, delimiter)
        if fast is not None:
            return fast
    data, name = read_bytes(path)
    _refuse_binary(spath, data)
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(spath, data, sheet)
    text, enc, notes = decode_text(spath, data, encoding)
    _looks_binary(spath, text)
    if text.startswith("\ufeff"):
        text = text[1:]
    delim = delimiter or sniff_delimiter(text)
    cells, bad = _parse(spath, text, delim)
    n = len(cells) + len(bad)
    rows = np.arange(1, n + 1)
    if len(bad):
        rows = np.setdiff1d(rows, bad["row"].to_numpy())[: len(cells)]
    cells = cells.reset_index(drop=True).astype("str")  # all-missing columns come back as float
    return RawTable(spath, cells, rows, enc, delim, bad, notes)


#: Bytes read to decide encoding, binary-ness and delimiter on the fast path: enough for the
#: 65,536 characters :func:`sniff_delimiter` looks at, whatever their UTF-8 width.
_HEAD_BYTES = 4 * 65536 + 4


def _read_fast(path: str, delimiter: str | None) -> RawTable | None:
    """A plain UTF-8 delimited file parsed by pyarrow straight from disk, or None.

    The result is exactly what the general path below gives (same cells, same
    row numbers); any file that is not plain and regular (not UTF-8, a BOM
    other than UTF-8's, a zip or workbook, rows of differing field counts,
    whitespace-only lines, a one-column table, a truncated quote) returns None
    and takes the general path, which knows how to report it.
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
    if text.startswith("\ufeff"):
        return None
    _looks_binary(path, text)
    delim = delimiter or sniff_delimiter(text)
    try:
        first = next(csv.reader(io.StringIO(text), delimiter=delim, quotechar='"', doublequote=True))
    except (csv.Error, StopIteration):
        return None
    k = len(first)
    if k < 2 or "\r" in text.replace("\r\n", ""):
        return None
    names = [f"f{i}" for i in range(k)]

    def parse(newlines_in_values: bool):
        return pacsv.read_csv(
            p,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=0, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delim, quote_char='"', double_quote=True, escape_char=False,
                                             newlines_in_values=newlines_in_values, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                 check_utf8=True),
        )

    try:
        try:
            # quoted line breaks are parsed either way; the option only makes pyarrow split the
            # file into blocks more carefully (slower), so it is used when a block split needs it
            table = parse(False)
        except pa.ArrowInvalid as exc:
            if "out of sync" not in str(exc):
                raise
            table = parse(True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OSError):
        return None
    if skip and table.num_rows and str(table.column(0)[0].as_py()).startswith("\ufeff"):
        return None  # pyarrow skips a UTF-8 BOM; should a version not, take the general path
    if table.num_rows and not _closed_at_end(p, str(table.column(k - 1)[-1].as_py())):
        return None  # perhaps a quote left open at the end: the general path rejects that record
    cells = table.to_pandas(self_destruct=True)
    del table
    cells.columns = pd.RangeIndex(k)
    notes: list[str] = []
    return RawTable(path, cells, np.arange(1, len(cells) + 1), enc, delim, notes=notes)


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


def _read_xlsx(path: str, data: bytes, sheet: str | int | None) -> RawTable:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl style warnings
            cells = pd.read_excel(io.BytesIO(data), sheet_name=sheet or 0, header=None, dtype=str,
                                  engine="openpyxl", keep_default_na=False, na_filter=False)
    except Exception as exc:  # openpyxl raises many types on damaged files
        raise ExportError(path, f"cannot be read as an Excel workbook ({type(exc).__name__}: {exc})",
                          expected="a .xlsx workbook saved by Excel, Google Sheets or a survey tool") from None
    cells = cells.astype("str")
    cells = cells[(cells.fillna("").apply(lambda c: c.str.strip()) != "").any(axis=1)].reset_index(drop=True)
    cells.columns = range(cells.shape[1])
    if cells.empty:
        raise ExportError(path, "the workbook's sheet is empty", expected="a sheet with a header row and data rows")
    return RawTable(path, cells, np.arange(1, len(cells) + 1), "xlsx", None)


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


def read_table(path, *, encoding: str | None, sheet) -> RawTable:
    """:func:`read_raw`, preferring Windows-1252 when another Western code page fits no better.

    ``read_raw`` asks charset-normalizer to choose among legacy code pages;
    on short Danish/German files it ties cp1250 with cp1252 and returns
    cp1250 (``Beløb`` becomes ``Belřb``). Excel in Western Europe writes
    cp1252, so on a tie cp1252 wins.
    """
    raw = read_raw(path, encoding=encoding, sheet=sheet)
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
    headers = [[("" if pd.isna(v) else str(v)).strip() for v in cells.iloc[i].tolist()] for i in range(header_rows)]
    data = cells.iloc[header_rows:].reset_index(drop=True)
    names = headers[0]
    keep = list(range(len(names)))
    while keep and names[keep[-1]] == "" and (data[keep[-1]].fillna("").str.strip() == "").all():
        keep.pop()
    data = data[keep]
    data.columns = dedupe_names([names[i] if names[i] else f"column {i + 1}" for i in keep])
    headers = [[h[i] for i in keep] for h in headers]
    return data, raw.row_numbers[header_rows:], headers
