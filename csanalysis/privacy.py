"""Pseudonymising and masking people: keyed e-mail hashes, personal columns, personal data inside text.

Keys
    ``email_key`` links a customer across exports without carrying the address: the
    address is trimmed and lower-cased, then hashed with a keyed hash (SipHash-2-4,
    pandas' vectorised ``hash_pandas_object`` with a 16-byte key derived from your
    secret). The secret is, in this order: ``key=``; the environment variable
    ``CSANALYSIS_KEY``; a per-user secret file that csanalysis creates once
    (:func:`secret_path`: ``$XDG_CONFIG_HOME/csanalysis/secret`` or
    ``~/.config/csanalysis/secret`` on POSIX, ``%APPDATA%\\csanalysis\\secret`` on
    Windows, ``$CSANALYSIS_CONFIG_DIR/secret`` when that variable is set; mode 0600).
    So two runs of the same user link by default. Rotate the secret by deleting the
    file (a new one is made on the next run; keys made earlier no longer match) or by
    setting ``CSANALYSIS_KEY``. Only when the file cannot be created is one random
    secret drawn per Python process; the load report says which secret was used.

Personal columns
    :func:`classify_column` tells personal columns (names, e-mail addresses, phone
    numbers, street addresses, postcodes, cities, coordinates, IP addresses, card and
    national-id numbers) from attributes that merely mention such a word
    (``Phone Service``, ``CityTier``, ``NumberOfAddress``, ``Email Opt-in``), by the
    header and by the values.

Personal data inside text
    :func:`mask_text` masks e-mail addresses (internationalised ones too), phone
    numbers, names after greetings and sign-offs (``Hi Anna``, ``Здравствуйте, Анна``,
    ``Best regards, Anna``) and the names an export itself lists
    (:class:`Names`) in kept text, rejected rows, load-report notes and error messages.
    It runs on pyarrow's RE2 kernels, vectorised over a column.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .stats.arrays import factorize, found

__all__ = ["email_key", "email_key_note", "pseudonymise", "is_personal_column", "classify_column",
           "classify_column_prefix", "key_source",
           "redact_emails", "mask_text", "mask_counts", "mask_name_like", "NAME_LIKE", "Names", "secret_path", "config_dir", "ENV_VAR",
           "CONFIG_ENV_VAR", "MASK_EMAIL", "MASK_PHONE", "MASK_NAME", "ResolvedSecret", "resolve_secret"]

ENV_VAR = "CSANALYSIS_KEY"
#: Overrides the folder of the per-user secret (tests point it to a temporary folder).
CONFIG_ENV_VAR = "CSANALYSIS_CONFIG_DIR"
MASK_EMAIL, MASK_PHONE, MASK_NAME = "[email]", "[phone]", "[name]"

_PROCESS_KEY = secrets.token_bytes(32)
_T = TypeVar("_T")


# ============================================================================ the secret
def config_dir() -> Path:
    """The user's csanalysis configuration folder (``$CSANALYSIS_CONFIG_DIR`` overrides it)."""
    given = os.environ.get(CONFIG_ENV_VAR)
    if given:
        return Path(given).expanduser()
    if os.name == "nt":
        appdata = os.environ.get("APPDATA")
        return (Path(appdata) if appdata else Path.home() / "AppData" / "Roaming") / "csanalysis"
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config"
    return base / "csanalysis"


def secret_path() -> Path:
    """Where the per-user pseudonym secret lives (created on first use when ``CSANALYSIS_KEY`` is not set)."""
    return config_dir() / "secret"


def _shown_path(p: Path) -> str:
    """The secret's path as the load report shows it: the home folder as ``~`` (``%APPDATA%`` on Windows)."""
    s = str(p)
    if os.name == "nt":
        appdata = os.environ.get("APPDATA")
        if appdata and s.lower().startswith(appdata.lower()):
            return "%APPDATA%" + s[len(appdata):]
    try:
        home = str(Path.home())
    except RuntimeError:  # no home folder known
        return s
    if home not in ("", "/") and s.startswith(home.rstrip(os.sep) + os.sep):
        return "~" + s[len(home.rstrip(os.sep)):]
    return s


def _read_secret(p: Path) -> bytes | None:
    try:
        data = p.read_bytes().strip()
    except FileNotFoundError:
        return None
    return data or None


def _user_secret() -> tuple[bytes | None, str | None]:
    """``(secret, problem)``: the per-user secret, created (mode 0600) when missing."""
    p = secret_path()
    try:
        found = _read_secret(p)
        if found is None and not p.exists():
            p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = p.with_name(f".secret-{os.getpid()}-{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "w", encoding="ascii") as fh:
                    fh.write(secrets.token_hex(32) + "\n")
                try:
                    os.link(tmp, p)  # atomic and exclusive: a concurrent first run keeps one secret
                except FileExistsError:
                    pass
                except OSError:  # no hard links on this file system
                    if not p.exists():
                        os.replace(tmp, p)
            finally:
                tmp.unlink(missing_ok=True)
            found = _read_secret(p)
        elif found is not None and os.name != "nt" and p.stat().st_mode & 0o077:
            os.chmod(p, 0o600)  # readable by the user alone
    except OSError as exc:
        return None, f"{type(exc).__name__}: {exc.strerror or exc}"
    if found is None:
        return None, "the file is empty"
    return found, None


@dataclass(frozen=True, repr=False)
class ResolvedSecret:
    """A secret resolved once, with where it came from, to hand to other processes or machines.

    Workers of a cluster have neither the client's environment nor its
    per-user file: :func:`resolve_secret` resolves the secret where the
    analysis starts, and every function taking ``key=`` accepts the result,
    hashes with its value and reports its original source, so keys and load
    reports are the same on every worker. Its ``repr`` never shows the value.

    Examples
    --------
    >>> s = resolve_secret("k")
    >>> s, key_source(s), bool(email_key(pd.Series(["a@b.c"]), s).equals(email_key(pd.Series(["a@b.c"]), "k")))
    (ResolvedSecret(source='argument'), 'argument', True)
    """

    value: str | bytes
    source: str

    def __repr__(self) -> str:
        return f"ResolvedSecret(source={self.source!r})"


def resolve_secret(key: str | bytes | None = None) -> ResolvedSecret:
    """The secret ``key=`` stands for (see :func:`key_source`), resolved here, as a :class:`ResolvedSecret`."""
    if isinstance(key, ResolvedSecret):
        return key
    return ResolvedSecret(*_resolve_key(key))


def _resolve_key(key: str | bytes | None) -> tuple[str | bytes, str]:
    if isinstance(key, ResolvedSecret):
        return key.value, key.source
    if key is not None:
        return key, "argument"
    env = os.environ.get(ENV_VAR)
    if env:
        return env, "environment"
    found, _ = _user_secret()
    if found is not None:
        return found, "user secret"
    return _PROCESS_KEY, "random per process"


def key_source(key: str | bytes | None = None) -> str:
    """Where the hashing secret comes from.

    ``'argument'`` (``key=``), ``'environment'`` (``CSANALYSIS_KEY``), ``'user secret'`` (the
    per-user file, :func:`secret_path`) or ``'random per process'`` (the file could not be made).
    """
    return _resolve_key(key)[1]


def email_key_note(column: str | None, key: str | bytes | None = None) -> str:
    """The load-report note every reader writes when it pseudonymises an e-mail column.

    Examples
    --------
    >>> email_key_note("Email", key="k")
    "e-mail addresses in 'Email' pseudonymised as email_key (key: argument)"
    """
    src = key_source(key)
    where = f" in {column!r}" if column else ""
    note = f"e-mail addresses{where} pseudonymised as email_key (key: {src})"
    if src == "user secret":
        note += (f"; the secret is your per-user file {_shown_path(secret_path())} (readable by you alone), so "
                 "your runs link to each other; to rotate it delete that file (a new one is made on the next run, "
                 "and keys made before no longer match) or set CSANALYSIS_KEY")
    elif src == "random per process":
        _, problem = _user_secret()
        note += (f"; keys will not match another run (the per-user secret {_shown_path(secret_path())} could not "
                 f"be used: {problem}): set CSANALYSIS_KEY (or key=) to link monthly runs")
    return note


def _hash_key(key: str | bytes | None, purpose: str) -> str:
    key, _ = _resolve_key(key)
    if isinstance(key, str):
        key = key.encode("utf-8")
    digest = hashlib.sha256(purpose.encode() + b"\x00" + key).digest()
    return base64.b64encode(digest).decode("ascii")[:16]  # 16 ASCII chars = the 16-byte SipHash key


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _keyed_hex(values: pd.Series, key: str | bytes | None, purpose: str, prefix: str) -> pd.Series:
    """``prefix`` + 16 hex digits of the keyed SipHash of each non-empty value (missing stays missing).

    Vectorised end to end: pandas hashes, numpy formats the hex digits, pyarrow joins the prefix, and the
    result is handed to pandas as an Arrow-backed string column without a per-value Python step.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    s = values.astype("str")
    text = pa.array(s.array)  # (Arrow text: no Python string per value)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)  # '' is missing
    # each distinct value is hashed once (an address recurs on a customer's orders): the hash of a value does
    # not depend on its neighbours, so the keys are those of hashing every row
    uniques = pc.drop_null(pc.unique(text))
    if len(uniques) == 0:
        return pd.Series(np.nan, index=values.index, dtype=pd.StringDtype(na_value=np.nan))
    # categorize=False: identical hashes, and faster for distinct values
    h = pd.util.hash_pandas_object(pd.Series(pd.array(uniques, dtype=s.dtype)), index=False,
                                   hash_key=_hash_key(key, purpose), categorize=False).to_numpy()
    # 16 hex digits per hash, written by numpy into one buffer that Arrow takes as it is
    b = h.astype(">u8").view(np.uint8).reshape(-1, 8)
    digits = np.empty((len(b), 16), dtype=np.uint8)
    digits[:, 0::2] = _HEX_DIGITS[b >> 4]
    digits[:, 1::2] = _HEX_DIGITS[b & 15]
    hexed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(16), len(b), [None, pa.py_buffer(digits)])
    keyed = pc.binary_join_element_wise(prefix.encode("ascii"), hexed.cast(pa.binary()), b"").cast(pa.string())
    # each row takes its value's key (a null position, for a missing value, takes null)
    arr = pc.take(keyed, pc.index_in(text, value_set=uniques))
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    return pd.Series(pd.array(arr, dtype=dtype), index=values.index)


def email_key(emails: pd.Series, key: str | bytes | None = None) -> pd.Series:
    """Keyed pseudonyms of e-mail addresses (``ek_`` + 16 hex digits).

    Addresses are trimmed and lower-cased first, so ``Anna@Example.com `` and
    ``anna@example.com`` get the same key. Values without an ``@`` are treated
    as missing.

    Examples
    --------
    >>> k = email_key(pd.Series(["Anna@Example.com ", "anna@example.com", None]), key="secret")
    >>> k[0] == k[1], k[0].startswith("ek_"), pd.isna(k[2])
    (True, True, True)
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = pa.array(emails.astype("str").array)  # the Arrow text as it is (no Python string per address)
    norm = pc.utf8_lower(pc.utf8_trim_whitespace(raw))
    norm = pc.if_else(pc.match_substring(norm, "@"), norm, pa.scalar(None, pa.string()))
    s = pd.Series(pd.array(norm, dtype=pd.StringDtype("pyarrow", na_value=np.nan)), index=emails.index)
    return _keyed_hex(s, key, "email", "ek_")


def pseudonymise(values: pd.Series, key: str | bytes | None = None, *, prefix: str = "p_") -> pd.Series:
    """Keyed pseudonyms for other identifiers (agent names and ids, ...).

    Examples
    --------
    >>> p = pseudonymise(pd.Series(["Agent Smith", "Agent Smith"]), key="k", prefix="agent_")
    >>> p[0] == p[1], p[0].startswith("agent_")
    (True, True)
    """
    s = values.astype("str").where(values.notna(), "").str.strip()
    return _keyed_hex(s.where(s != "", None), key, prefix, prefix)


# ============================================================================ masking text
def _ranges(cps: list[int]) -> list[tuple[int, int]]:
    """Sorted code points -> runs ``(first, last)``."""
    out: list[tuple[int, int]] = []
    for cp in cps:
        if out and cp == out[-1][1] + 1:
            out[-1] = (out[-1][0], cp)
        else:
            out.append((cp, cp))
    return out


# RE2 syntax (pyarrow.compute). RE2 has no look-around: boundaries are captured and written back
# (\1 ... \N), and spans that must not match (dates, words after a greeting that are not names) are
# protected by a private-use character first. RE2 compiles every regex on every call, and Unicode
# property classes (\pL ...) are slow to compile, so word characters are "not ASCII punctuation, not
# a space, not common non-ASCII punctuation": the same for the scripts in exports, and cheap.
_PUNCT = r"\x{A0}-\x{BF}\x{D7}\x{F7}\x{2000}-\x{206F}\x{2190}-\x{2BFF}\x{3000}-\x{303F}\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF20}"
_NOT_WORD = rf"\x00-\x2F\x3A-\x40\x5B-\x5E\x60\x7B-\x7F{_PUNCT}"  # a class body: what ends a word
# before a phone number: not a word, and not + - . / (the middle of a number, date or id: 2024-03-000987)
_BEFORE_PHONE = rf"\x00-\x2A\x2C\x3A-\x40\x5B-\x5E\x60\x7B-\x7F{_PUNCT}"
_WORD = rf"[^{_NOT_WORD}]"                                          # letter, digit, mark or _ of any script
_LETTER = rf"[^\x00-\x40\x5B-\x60\x7B-\x7F{_PUNCT}]"
_UPPER = "[" + "".join(  # capitals of Latin, Greek and Cyrillic (an explicit class compiles fast)
    f"{chr(a)}-{chr(b)}" if b > a else chr(a) for a, b in _ranges(
        [cp for cp in (*range(0x41, 0x5B), *range(0xC0, 0x250), *range(0x370, 0x530), *range(0x1E00, 0x1F00))
         if chr(cp).isupper()])) + "]"
_PROTECT = "\ue000"
_AT = r"(?:@|＠|%40|[ \t]?[\[(][ \t]?(?i:at)[ \t]?[\])][ \t]?)"
_DOT = r"(?:\.|[ \t]?[\[(][ \t]?(?i:dot)[ \t]?[\])][ \t]?)"
_LABEL = rf"{_WORD}(?:(?:{_WORD}|-)*{_WORD})?"
#: An e-mail address, internationalised ones (``jörg.müller@exämple.de``) and ``anna [at] example [dot] com`` too.
EMAIL_RE2 = (rf"{_WORD}(?:(?:{_WORD}|[.%+'\-])*(?:{_WORD}|[%+\-]))?{_AT}"
             rf"{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}{_LETTER}(?:(?:{_WORD}|-)*{_WORD})?")
# dates look like grouped digits: protect them (a private-use character after each separator)
_DATE = (r"(^|[^0-9])(\d{4}|0?[1-9]|[12]\d|3[01])([./\-])(0?[1-9]|1[0-2]|[12]\d|3[01])([./\-])"
         r"([12]\d{3}|\d{2})([^0-9]|$)")
_DATE_TO = rf"\1\2\3{_PROTECT}\4\5{_PROTECT}\6\7"
_TIME = r"(^|[^0-9])(\d{1,2}):(\d{2})"
_TIME_TO = rf"\1\2:{_PROTECT}\3"
_PHONE_FORMS = (
    r"\+[ \t]?\d(?:[ .\-/]?\(?\d\)?){6,14}",                       # +45 12 34 56 78, +7 (495) 123-45-67, +4512345678
    r"00[1-9]\d{0,2}[ .\-]\(?\d(?:[ .\-/]?\(?\d\)?){5,12}",         # 0045 12 34 56 78
    r"(?:1[ .\-])?(?:\(\d{3}\)[ \t]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}",  # (555) 123-4567, 555.123.4567
    r"\d{2}(?:[ .\-]\d{2}){3,4}",                                  # 12 34 56 78, 06 12 34 56 78
    r"0\d{1,4}(?:[ /\-]\d{5,8}|(?:[ \-]\d{2,4}){2,4})",            # 030 12345678, 0171/1234567, 070-123 45 67
    r"[78][ \-]?\(\d{3}\)[ \-]?\d{3}[ \-]?\d{2}[ \-]?\d{2}",       # 8 (495) 123-45-67
    r"\d{3}[ \-]\d{3}[ \-]\d{2}[ \-]\d{2}",                        # 916 123-45-67
    r"\d{3}-\d{3}-\d{3}",                                          # 601-234-567
)
_PHONE = rf"(^|[{_BEFORE_PHONE}])(?:{'|'.join(_PHONE_FORMS)})([^0-9]|$)"
_PHONE_WORDS = ("telephone", "telefonnummer", "telefonnr", "telefon", "phone number", "phone", "mobilnummer",
                "mobile", "mobil", "mob", "cellphone", "cell", "handy", "whatsapp", "fax", "sms", "tlf", "tel",
                "ph", "ring", "call", "телефон", "тел", "моб")
_PHONE_KW = (rf"(^|[{_NOT_WORD}])((?i:{'|'.join(_PHONE_WORDS)})\.?(?:[ \t]*(?i:no|nr|number|nummer|num|номер)\.?)?"
             r"[ \t]*[:.\-]?[ \t]*(?i:on|at|på|an|unter)?[ \t]*)(\+?\(?\d[\d \t\-./()]{5,18}\d)([^0-9]|$)")

_OPENERS = (
    "good morning", "good afternoon", "good evening", "good day", "hi", "hiya", "hey", "hello", "dear", "greetings",
    "hej", "hejsa", "halløj", "hallo", "hei", "heisann", "moin", "servus", "grüß gott", "guten tag", "guten morgen",
    "guten abend", "liebe", "lieber", "sehr geehrte", "sehr geehrter", "kære", "kaere", "käre", "kära", "bästa",
    "goddag", "god morgen", "god dag", "bonjour", "salut", "cher", "chère", "hola", "estimado", "estimada",
    "buongiorno", "ciao", "caro", "cara", "здравствуйте", "здравствуй", "привет", "добрый день", "добрый вечер",
    "доброе утро", "уважаемый", "уважаемая", "дорогой", "дорогая")
_CLOSERS = (
    "best regards", "kind regards", "warm regards", "many thanks", "thank you", "best wishes", "yours sincerely",
    "sincerely", "regards", "thanks", "cheers", "med venlig hilsen", "venlig hilsen", "de bedste hilsner",
    "bedste hilsner", "venlige hilsner", "hilsen", "mvh", "med vänliga hälsningar", "vänliga hälsningar",
    "hälsningar", "vennlig hilsen", "mit freundlichen grüßen", "mit freundlichen grüssen", "freundliche grüße",
    "viele grüße", "beste grüße", "liebe grüße", "schöne grüße", "grüße", "gruß", "danke", "tak", "tack",
    "с уважением", "спасибо", "всего доброго", "cordialement", "saludos", "atentamente", "distinti saluti")
# capitalised words after a greeting that are not names
_NOT_NAMES = (
    "there", "all", "everyone", "everybody", "team", "folks", "guys", "support", "sir", "sirs", "madam", "madame",
    "customer", "customers", "service", "friend", "friends", "colleagues", "again", "for", "in", "so", "a", "and",
    "the", "we", "i", "you", "your", "my", "our", "it", "this", "that", "to", "very", "much", "please", "just",
    "quick", "any", "can", "could", "would", "sorry", "ok", "okay", "yes", "no", "hope", "how", "what", "when",
    "where", "why", "who", "regarding", "re", "world", "following", "about", "as", "after", "on", "is", "im", "ive", "thanks",
    "thank", "good", "morning", "hello", "hi", "dear", "sales", "billing", "helpdesk", "manager", "admin", "staff",
    "zusammen", "alle", "allesammen", "alla", "allihop", "damen", "herren", "kunde", "kunden", "kundeservice",
    "kundenservice", "kundendienst", "kundtjänst", "kundesupport", "kundeservicen", "ich", "wir", "mein", "meine",
    "unser", "bitte", "vielen", "leider", "habe", "ist", "es", "das", "der", "die", "sie", "ihr", "jeg", "vi", "jag",
    "min", "mit", "kan", "har", "det", "den", "der", "igen", "grüße", "grüsse", "gruß", "hilsen", "hälsningar",
    "я", "мы", "у", "меня", "нас", "спасибо", "подскажите", "пожалуйста", "прошу", "хочу", "как", "что", "вас",
    "все", "всем", "коллеги", "уважаемые", "служба", "поддержка", "команда", "madam", "sir", "team")
_TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "herr", "herrn", "frau", "fru", "hr", "fr", "monsieur",
           "mme", "mlle", "señor", "señora", "sr", "sra", "signor", "signora", "господин", "госпожа", "г-н", "г-жа")


def _alt(words: Iterable[str]) -> str:
    """An alternation of words, longest first, spaces as any run of blanks."""
    ws = sorted({w.lower() for w in words}, key=lambda w: (-len(w), w))  # longest first: leftmost-first alternation
    return "|".join(re.escape(w).replace(r"\ ", "[ \\t]+") for w in ws)


_TITLE = rf"(?:(?i:{_alt(_TITLES)})\.?[ \t]+){{0,2}}"
_NAME_WORD = rf"{_UPPER}(?:{_LETTER}+|['’]{_UPPER}{_LETTER}+)(?:-{_UPPER}{_LETTER}+)?"
_NAME = rf"{_NAME_WORD}(?:[ \t]+(?:{_UPPER}\.[ \t]+)?{_NAME_WORD})?"
_LEAD = (rf"(^|[{_NOT_WORD}])((?:(?i:{_alt(_OPENERS)})(?:[ \t]*,[ \t]*|[ \t]+)"
         rf"|(?i:{_alt(_CLOSERS)})(?:[ \t]*[,!.]?[ \t]*\r?\n[ \t]*|[ \t]*,[ \t]*|[ \t]+)){_TITLE})")
_GREETING = rf"{_LEAD}({_NAME})([{_NOT_WORD}]|$)"
_GREETING_STOP = rf"{_LEAD}((?i:{_alt(_NOT_NAMES)}))([{_NOT_WORD}]|$)"
_SPLIT = "\x01"
_TRIM = ",.;:!?()[]{}\"'’«»<>#@*_~`|+=&%$§^0123456789"
_NAME_TOKEN = rf"({_LETTER}+)"
_TWO_LETTERS = rf"{_LETTER}{_LETTER}"


class Names:
    """The names an export lists (requester, customer, recipient name columns), to mask wherever they recur.

    Values are split into words (letters only: ``Anne-Marie O'Brien`` -> ``Anne``, ``Marie``, ``Brien``);
    words of two letters or more that start with a capital (all-lower-case words get a capital, which keeps
    particles such as ``de``/``van`` from matching lower-case text) are matched as whole words, case-sensitively,
    through a hash set (no per-name regex, so a hundred thousand names cost one pass).

    Examples
    --------
    >>> n = Names(["Anna Berg", "jörg müller", None, "anna.berg@example.com"])
    >>> sorted(n.tokens)
    ['Anna', 'Berg', 'Jörg', 'Müller']
    >>> mask_text("Anna Berg wrote; ask Jörg about the Berg order", names=n)
    '[name] [name] wrote; ask [name] about the [name] order'
    """

    #: words often written into name columns that are not names
    STOP = frozenset({"mr", "mrs", "ms", "miss", "dr", "jr", "sr", "prof", "unknown", "none", "null", "nan", "na",
                      "customer", "customers", "support", "team", "guest", "anonymous", "anonym", "test", "user", "admin",
                      "info", "the", "and", "of", "service", "kunde", "kunden", "noreply", "no", "reply", "email",
                      "phone", "name", "n/a", "company", "ltd", "inc", "gmbh", "aps", "ab", "as", "llc"})

    def __init__(self, values: Iterable[Any] = ()) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype="object")
        s = s.astype("str").dropna()
        # distinct values in Arrow (Python string objects for every cell of a name column cost 6x the file's
        # bytes at 100,000 orders)
        arr = pc.unique(pa.array(s.array)).cast(pa.string())
        # a word is two letters or more: values without two letters in a row list none (order numbers in a
        # Shopify "Name" column, initials), and replacing an address by a space below joins no letters
        arr = arr.filter(found(arr, _TWO_LETTERS))
        arr = pc.replace_substring_regex(arr, EMAIL_RE2, " ")
        parts = pc.split_pattern(pc.replace_substring_regex(arr, _NAME_TOKEN, rf"{_SPLIT}\1{_SPLIT}"), _SPLIT)
        words = pc.unique(pc.list_flatten(parts))
        words = words.filter(pc.match_substring_regex(words, rf"^{_LETTER}{_LETTER}+$"))
        words = pc.unique(pa.concat_arrays([
            words.filter(pc.match_substring_regex(words, rf"^{_UPPER}")).cast(pa.string()),
            pc.utf8_capitalize(words).cast(pa.string())]))
        words = words.filter(pc.invert(pc.is_in(pc.utf8_lower(words), value_set=pa.array(sorted(self.STOP)))))
        self.tokens: frozenset[str] = frozenset(words.to_pylist())
        self._set = pa.array(sorted(self.tokens), type=pa.string())

    @classmethod
    def union(cls, names: Iterable[Names | None]) -> Names:
        """The words of several lists together: ``Names(a + b)`` masks as ``Names.union([Names(a), Names(b)])``.

        Examples
        --------
        >>> sorted(Names.union([Names(["Anna Berg"]), None, Names(["Jörg Berg"])]).tokens)
        ['Anna', 'Berg', 'Jörg']
        """
        import pyarrow as pa

        out = cls.__new__(cls)
        out.tokens = frozenset().union(*(n.tokens for n in names if n is not None))
        out._set = pa.array(sorted(out.tokens), type=pa.string())
        return out

    @staticmethod
    def holding_words(s: pd.Series) -> pd.Series:
        """The values of ``s`` that can list a word: those with two letters in a row (others give none).

        ``Names(values)`` equals ``Names(Names.holding_words(values))``; dropping the others first (order
        numbers in a Shopify ``Name`` column, every one distinct) saves collecting their distinct values.

        Examples
        --------
        >>> Names.holding_words(pd.Series(["#1001", "Anna Berg", "J. K.", None], dtype="str")).tolist()
        ['Anna Berg']
        """
        import pyarrow as pa

        arr = getattr(s.array, "_pa_array", None)
        if arr is None:
            arr = pa.array(s.astype("str").array)
        return s[np.asarray(found(arr, _TWO_LETTERS).to_numpy(zero_copy_only=False), dtype=bool)]

    def __len__(self) -> int:
        return len(self.tokens)

    def __bool__(self) -> bool:
        return bool(self.tokens)

    def __repr__(self) -> str:
        return f"Names({len(self.tokens)} words)"

    def mask(self, arr):
        """Replace the listed words in a pyarrow string array by ``[name]``."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not self.tokens or len(arr) == 0:
            return arr
        # a listed word is two letters or more, so only values with two letters in a row can hold one
        # (timestamps, amounts and numeric ids, often every value distinct, are left out at once) ...
        maybe = found(arr, _TWO_LETTERS)
        if not pc.any(maybe).as_py():
            return arr
        where = np.flatnonzero(maybe.to_numpy(zero_copy_only=False))
        # ... then which of them hold a listed word at all: a cheap split on white space ...
        a = arr.filter(maybe) if len(where) < len(arr) else arr
        for ch in "-'’/\\_":
            a = pc.replace_substring(a, ch, " ")
        words = pc.utf8_split_whitespace(a)
        trimmed = pc.utf8_trim(words.values, _TRIM)
        hit_rows = pc.unique(pc.filter(pc.list_parent_indices(words), pc.is_in(trimmed, value_set=self._set)))
        if len(hit_rows) == 0:
            return arr
        some = np.zeros(len(arr), dtype=bool)
        some[where[hit_rows.to_numpy()]] = True
        some = pa.array(some)
        # ... then the exact words (letters only) of those values, separators kept, and the values rebuilt
        sub = arr.filter(some)
        parts = pc.split_pattern(pc.replace_substring_regex(sub, _NAME_TOKEN, rf"{_SPLIT}\1{_SPLIT}"), _SPLIT)
        values = parts.values
        hit = pc.is_in(values, value_set=self._set)
        new = pc.if_else(hit, pa.scalar(MASK_NAME), values)
        rebuilt = pc.binary_join(pa.ListArray.from_arrays(parts.offsets, new, mask=parts.is_null()), "")
        return pc.replace_with_mask(arr, some, rebuilt)


def _arrow_strings(values: pd.Series):
    import pyarrow as pa

    return pa.array(values.to_numpy(dtype=object, na_value=None), type=pa.string())


def _distinct_arrow(uniq: pd.Index):
    """The distinct values of :func:`pd.factorize` as one pyarrow string array (zero-copy when Arrow-backed)."""
    import pyarrow as pa

    arr = getattr(uniq.array, "_pa_array", None)
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        try:
            return arr.cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # over 2 GB of text: large_string it stays
            return arr
    return _arrow_strings(pd.Series(np.asarray(uniq, dtype=object)))


def _changed(before, after) -> np.ndarray:
    import pyarrow.compute as pc

    return pc.fill_null(pc.not_equal(before, after), False).to_numpy(zero_copy_only=False)


def _on_some(arr, prefilter: str, fn, unless: str | None = None):
    """Apply ``fn`` only to the values ``prefilter`` finds (most values hold no personal data), and not to
    those ``unless`` matches (values ``fn`` is known to leave as they are)."""
    import pyarrow.compute as pc

    some = found(arr, prefilter)
    if unless is not None and pc.any(some).as_py():
        some = pc.and_(some, pc.invert(found(arr, unless)))
    n = pc.sum(some).as_py() or 0
    if n == 0:
        return arr
    if n == len(arr):
        return fn(arr)
    return pc.replace_with_mask(arr, some, fn(arr.filter(some)))


_MAYBE_EMAIL = r"@|＠|%40|[\[(][ \t]?(?i:at)[ \t]?[\])]"
_MAYBE_PHONE = r"\d" + r"[ .\-()/\t]*\d" * 5  # six digits with only phone separators between
#: A whole value that is an ISO 8601 date or timestamp (years 1900-2099, valid fields): its digits pass
#: ``_MAYBE_PHONE`` but :func:`_mask_phones` protects them (checked on 400,000 random ones), so the phone rules
#: skip such values: the export's date columns, every value distinct, were most of their work.
_ISO_TIMESTAMP = (r"^(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
                  r"(?:[ T](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?)?"
                  r"(?: ?(?:Z|UTC|[+-](?:[01]\d|2[0-3]):?[0-5]\d))?$")
#: A whole value of digits (``#`` first allowed): every phone form needs a ``+``, a parenthesis, a separator or a
#: phone word, and the date and time rules need separators, so :func:`_mask_phones` leaves such values as they are
#: (tested on random ones). The phone rules skip them: the export's order numbers and numeric ids, every value
#: distinct, were most of their work on an order table.
_PLAIN_NUMBER = r"^#?[0-9]+$"
#: The values the phone rules skip although ``_MAYBE_PHONE`` finds them (:func:`_mask_arrow`, :func:`_rows_to_mask`).
_NOT_PHONES = f"{_ISO_TIMESTAMP}|{_PLAIN_NUMBER}"
_MAYBE_GREETING = f"(?i:{_alt(_OPENERS + _CLOSERS)})"


def _mask_phones(a):
    import pyarrow.compute as pc

    rx = pc.replace_substring_regex
    for pattern, to in ((_DATE, _DATE_TO), (_DATE, _DATE_TO), (_TIME, _TIME_TO), (_TIME, _TIME_TO)):
        a = rx(a, pattern, to)  # twice: back-to-back dates (times) share a boundary
    for _ in range(2):  # a match takes its neighbour's boundary: a second pass finds back-to-back numbers
        a = rx(a, _PHONE, rf"\1{MASK_PHONE}\2")
    a = rx(a, _PHONE_KW, rf"\1\2{MASK_PHONE}\4")
    return pc.replace_substring(a, _PROTECT, "")


def _mask_greetings(a):
    import pyarrow.compute as pc

    rx = pc.replace_substring_regex
    a = rx(a, _GREETING_STOP, rf"\1\2{_PROTECT}\3\4")
    a = rx(a, _GREETING, rf"\1\2{MASK_NAME}\4")
    return pc.replace_substring(a, _PROTECT, "")


def _mask_arrow(arr, names: Names | None, *, phones: bool = True, greetings: bool = True
                ) -> tuple[Any, dict[str, np.ndarray]]:
    """Mask a pyarrow string array; -> (masked, {kind: which values that step changed})."""
    import pyarrow.compute as pc

    hits: dict[str, np.ndarray] = {}
    before = arr
    arr = _on_some(arr, _MAYBE_EMAIL, lambda a: pc.replace_substring_regex(a, EMAIL_RE2, MASK_EMAIL))
    hits["emails"] = _changed(before, arr)
    if phones:
        before = arr
        arr = _on_some(arr, _MAYBE_PHONE, _mask_phones, unless=_NOT_PHONES)
        hits["phones"] = _changed(before, arr)
    else:
        hits["phones"] = np.zeros(len(arr), dtype=bool)
    before = arr
    if greetings:
        arr = _on_some(arr, _MAYBE_GREETING, _mask_greetings)
    if names:
        arr = names.mask(arr)
    hits["names"] = _changed(before, arr)
    return arr, hits


_NO_HITS = {"emails": 0, "phones": 0, "names": 0}


def _mask_positions(values: pd.Series, names: Names | None, *, phones: bool, greetings: bool
                    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Mask a Series' text values, each distinct value once (of a mostly distinct column, only the values some
    step could change: :func:`_rows_to_mask`).

    -> (positions changed, their new values (a pyarrow array, in position order), {kind: positions that kind
    changed}).
    """
    import pyarrow as pa

    s = values.astype("str")  # missing stays missing; non-text values become text but are only written back if changed
    rows = _rows_to_mask(s, names, phones=phones, greetings=greetings)
    if rows is not None:  # mostly distinct values: only those a step could change are factorised and masked
        none = np.zeros(len(s), dtype=bool)
        if len(rows) == 0:
            return none, pa.array([], type=pa.string()), {k: none for k in _NO_HITS}
        changed_r, new, hits_r = _mask_distinct(s.iloc[rows], names, phones=phones, greetings=greetings)
        changed = none.copy()
        changed[rows[changed_r]] = True
        pos_hits = {}
        for k, v in hits_r.items():
            pos_hits[k] = none.copy()
            pos_hits[k][rows[v]] = True
        return changed, new, pos_hits
    return _mask_distinct(s, names, phones=phones, greetings=greetings)


def _mask_distinct(s: pd.Series, names: Names | None, *, phones: bool, greetings: bool
                   ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """:func:`_mask_positions` of text values, each distinct value masked once."""
    import pyarrow as pa

    codes, uniq = factorize(s)  # (Arrow-backed text is factorised by pyarrow, never as Python strings)
    none = np.zeros(len(s), dtype=bool)
    if len(uniq) == 0:
        return none, pa.array([], type=pa.string()), {k: none for k in _NO_HITS}
    masked, hits = _mask_arrow(_distinct_arrow(uniq), names, phones=phones, greetings=greetings)
    valid = codes >= 0
    safe = np.where(valid, codes, 0)
    pos_hits = {k: v[safe] & valid for k, v in hits.items()}
    changed_u = hits["emails"] | hits.get("phones", False) | hits["names"]
    changed = changed_u[safe] & valid
    if not changed.any():
        return changed, pa.array([], type=pa.string()), pos_hits
    return changed, masked.take(pa.array(codes[changed])), pos_hits


#: Rows of a column :func:`_mask_positions` looks at to tell whether its values are mostly distinct.
_DISTINCT_PROBE = 1 << 16


def _rows_to_mask(s: pd.Series, names: Names | None, *, phones: bool, greetings: bool) -> np.ndarray | None:
    """For Arrow text whose values are mostly distinct (ids, timestamps, notes), the rows some step of
    :func:`_mask_arrow` could change (in order); None for other columns, masked per distinct value whole.

    A row is left out only when no step's own prefilter finds its value (an e-mail, a phone number that is
    not a whole ISO timestamp or plain number, a greeting, two letters in a row when ``names`` lists words),
    so no step changes it. Masking is per value, so masking the other rows gives each the same result. Hashing
    every row to find the distinct values costs more than these scans when nearly every value is distinct and
    few could change (ids, timestamps, not free text); both are told from the first :data:`_DISTINCT_PROBE`
    rows (more than half of them distinct, at most a quarter found by a prefilter).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = getattr(s.array, "_pa_array", None)
    if not isinstance(arr, pa.ChunkedArray) or not (pa.types.is_string(arr.type)
                                                    or pa.types.is_large_string(arr.type)):
        return None
    head = arr.slice(0, _DISTINCT_PROBE)
    if len(head) < 2 or pc.count_distinct(head).as_py() * 2 <= len(head):
        return None

    def some(a):
        # the steps' prefilters but the phones' in one pass of one pattern
        hit = found(a, "|".join([_MAYBE_EMAIL] + [_MAYBE_GREETING] * greetings + [_TWO_LETTERS] * bool(names)))
        if phones:
            hit = pc.or_(hit, pc.and_(found(a, _MAYBE_PHONE), pc.invert(found(a, _NOT_PHONES))))
        return hit.to_numpy(zero_copy_only=False)

    if some(head).mean() > 0.25:  # free text: most rows would be masked anyway, so hashing them all is no waste
        return None
    return np.flatnonzero(some(arr))


def _replaced(col: pd.Series, changed: np.ndarray, new) -> pd.Series:
    """``col`` with its values at the positions ``changed`` replaced by ``new`` (a pyarrow array).

    Arrow-backed text stays in Arrow (no value becomes a Python string); other columns are written as objects.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    dtype = col.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        arr = pa.array(col.array)
        merged = pc.replace_with_mask(arr, pa.array(changed), new.cast(arr.type))
        return pd.Series(pd.array(merged, dtype=dtype), index=col.index, name=col.name)
    out = col.copy()
    out.iloc[np.flatnonzero(changed)] = new.to_numpy(zero_copy_only=False)
    return out


def mask_counts(values: _T, *, names: Names | Iterable[str] | None = None, phones: bool = True,
                greetings: bool = True) -> tuple[_T, dict]:
    """:func:`mask_text`, and how many values each kind of masking changed.

    The counts are ``{"emails": n, "phones": n, "names": n}``; for a DataFrame, one such dict per text
    column. A DataFrame's text columns are masked together (each regex runs once over the distinct
    values of all of them).
    """
    if names is not None and not isinstance(names, Names):
        names = Names(names)
    if values is None or (isinstance(values, float) and np.isnan(values)):
        return values, dict(_NO_HITS)
    if isinstance(values, str):
        if not _maybe_personal(values, names):
            return values, dict(_NO_HITS)
        import pyarrow as pa

        out, hits = _mask_arrow(pa.array([values], type=pa.string()), names, phones=phones, greetings=greetings)
        return out[0].as_py(), {k: int(v.sum()) for k, v in hits.items()}
    if isinstance(values, (list, tuple)):
        s = pd.Series(list(values), dtype="object")
        out, counts = mask_counts(s, names=names, phones=phones, greetings=greetings)
        return type(values)(out.tolist()), counts
    if isinstance(values, pd.DataFrame):
        cols = [c for c in values.columns
                if values[c].dtype == object or pd.api.types.is_string_dtype(values[c].dtype)]
        per = {c: dict(_NO_HITS) for c in cols}
        if not cols or len(values) == 0:
            return values, per
        n = len(values)
        per_group = max(1, _MASK_CELLS // n)
        if len(cols) > per_group:  # in groups of columns: the stacked values and their codes stay bounded in memory
            out = values
            for g in range(0, len(cols), per_group):
                part = cols[g:g + per_group]
                masked, counts = mask_counts(values[part], names=names, phones=phones, greetings=greetings)
                per.update(counts)
                for c in part:
                    if any(counts[c].values()):  # a column changed exactly where a rule hit
                        out = values.copy(deep=False) if out is values else out
                        out[c] = masked[c]
            return out, per
        stacked = pd.concat([values[c].astype("str") for c in cols], ignore_index=True)  # Arrow-backed, not objects
        changed, new, hits = _mask_positions(stacked, names, phones=phones, greetings=greetings)
        for i, c in enumerate(cols):
            per[c] = {k: int(v[i * n:(i + 1) * n].sum()) for k, v in hits.items()}
        if not changed.any():
            return values, per
        out = values.copy(deep=False)
        start = 0  # ``new`` holds the changed values in stacked order: each column's are a slice of it
        for i, c in enumerate(cols):
            ch = changed[i * n:(i + 1) * n]
            k = int(ch.sum())
            if k:
                out[c] = _replaced(out[c], ch, new.slice(start, k))
            start += k
        return out, per
    if not isinstance(values, pd.Series):
        raise TypeError(f"mask_text takes a str, a list of str, a Series or a DataFrame, not {type(values).__name__}")
    if len(values) == 0 or not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
        return values, dict(_NO_HITS)
    changed, new, hits = _mask_positions(values, names, phones=phones, greetings=greetings)
    counts = {k: int(v.sum()) for k, v in hits.items()}
    if not changed.any():
        return values, counts
    return _replaced(values, changed, new), counts


#: Cells of text masked together (see :func:`mask_counts`): a DataFrame's text columns go in groups of at most this
#: many cells, so that the stacked values, their codes and the per-cell masks stay small (4M cells: the tickets of
#: 100,000 customers peaked 90 MB higher, no faster).
_MASK_CELLS = 1_000_000

_QUICK = re.compile(r"@|＠|%40|\[\s*at\s*\]|\(\s*at\s*\)|\d(?:\D{0,3}\d){5}")
_QUICK_GREETING = re.compile("(?i)(?<!\\w)(?:" + "|".join(re.escape(w) for w in (*_OPENERS, *_CLOSERS)) + ")(?!\\w)")


def _maybe_personal(text: str, names: Names | None) -> bool:
    """A cheap test on one string: could any masking rule change it?"""
    if _QUICK.search(text) or _QUICK_GREETING.search(text):
        return True
    return bool(names) and any(w in names.tokens for w in re.findall(r"[^\W\d_]+", text))


def mask_text(values: _T, *, names: Names | Iterable[str] | None = None) -> _T:
    """Mask personal data inside text: e-mail addresses, phone numbers and names.

    E-mail addresses (internationalised ones too) become ``[email]``, phone numbers
    (international, national and grouped forms, and digits after "tel"/"phone"/...)
    ``[phone]``, names after a greeting or sign-off (``Hi Anna``, ``Hej Anna``,
    ``Dear Mr. Smith``, ``Hallo Jörg``, ``Здравствуйте, Анна``, ``Best regards,
    Anna``) and the words of ``names`` (the names the export itself lists, see
    :class:`Names`) ``[name]``. Dates, times, amounts and ids are left alone.

    Parameters
    ----------
    values : str, list of str, pandas.Series or pandas.DataFrame
        Missing values stay missing; a Series keeps its index, name and dtype; a
        DataFrame has its text columns masked (together: one pass of each rule).
    names : Names or iterable of str, optional

    Returns
    -------
    The same type as ``values``.

    Examples
    --------
    >>> mask_text("Hi Anna, write to jörg.müller@exämple.de or call +45 12 34 56 78 before 2024-03-05")
    'Hi [name], write to [email] or call [phone] before 2024-03-05'
    >>> mask_text(pd.Series(["Здравствуйте, Анна!", None, "order 10023, 2 items"])).tolist()
    ['Здравствуйте, [name]!', nan, 'order 10023, 2 items']
    """
    return mask_counts(values, names=names)[0]


#: A whole cell that reads like a person's full name: two to four capitalised words of letters.
NAME_LIKE = r"[^\W\d_a-z][^\W\d_A-Z]+(?:[ '-][^\W\d_a-z][^\W\d_A-Z]+){1,3}"


def mask_name_like(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole text cells that read like a person's full name (``Anna Jensen``) become ``[name]``.

    For records whose columns cannot be trusted (a rejected row whose values
    slid into their neighbours' columns): there the export's own name columns no
    longer say where the names are. Over-masks on purpose (``Order Missing`` is
    masked too); use it on diagnostics, never on the data.

    Examples
    --------
    >>> mask_name_like(pd.DataFrame({"a": ["Anna Jensen", "order missing", "Jörg Müller-Lüdenscheidt", None]}))["a"].tolist()
    ['[name]', 'order missing', '[name]', nan]
    >>> mask_name_like(pd.DataFrame({"a": ['"Ulla Kunde"', "Ola Kunde [email]", "[email]"]}))["a"].tolist()
    ['[name]', '[name]', '[email]']
    """
    out = frame.copy()
    for c in out.columns:
        s = out[c]
        if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
            continue
        # the name alone once a stray quote, tab or backslash and the masks already placed are set aside
        core = (s.astype("str").str.replace(r"\[(?:email|phone|name)\]|[\"\\\t\r\n]", " ", regex=True)
                .str.replace(r"\s+", " ", regex=True).str.strip())
        hit = core.str.fullmatch(NAME_LIKE).fillna(False).to_numpy(dtype=bool)
        if hit.any():
            out[c] = s.where(~hit, MASK_NAME)
    return out


def redact_emails(values: pd.Series) -> pd.Series:
    """Replace e-mail addresses inside text by ``[email]`` (only those; :func:`mask_text` masks more).

    Examples
    --------
    >>> redact_emails(pd.Series(["write to anna@example.com now", None])).tolist()
    ['write to [email] now', nan]
    """
    s = values.astype("str")
    out, _ = mask_counts(s, phones=False, greetings=False)
    return out


# ============================================================================ personal columns
def _header_words(name: object) -> str:
    """A header as lower-case words: ``RecipientLastName (2)`` -> ``recipient last name``."""
    s = re.sub(r"\s*\(\d+\)\s*$", "", str(name).strip())  # a repeated column: ``Requester (2)``
    s = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", s)       # IPAddress -> IP Address
    s = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", s)            # CityTier -> City Tier
    s = re.sub(r"(?<=[^\W\d_])(?=\d)", " ", s)            # Address1 -> Address 1
    return re.sub(r"[\W_]+", " ", s.casefold()).strip()


# words that make a column an attribute of the customer, not the person: a service, a tier, a count, a flag
_ATTRIBUTE = re.compile(
    r"\b(services?|tiers?|level|types?|category|categories|segment|class|counts?|number of|num of|no of|nr of|"
    r"anzahl|antal|количество|total|verified|verification|valid|validated|opt|opt in|optin|opted|opt out|consent|"
    r"subscribed|subscription|unsubscribed|marketing|opened|opens|sent|clicks|clicked|bounced|bounces?|domain|"
    r"usage|minutes|calls|lines|charges|provider|carrier|model|device|campaign|template|subject|changed|updated|"
    r"flag|enabled|length|score|size|rank|share|rate|plan|format|language|allowed|required|available|missing|"
    r"known|status|distance|satisfaction)\b")
_NAME_PREFIX = (r"first|last|full|given|family|middle|sur|maiden|nick|user|customer|contact|requester|recipient|"
                r"billing|shipping|delivery|respondent|client|display|buyer|card ?holder|account ?holder|holder|"
                r"sender|from|reporter|submitter|person|caller|member|guest|patient|student|employee|agent|real|"
                r"legal|card|kunde|kunden|kund|klant|contact person")
_KINDS: tuple[tuple[str, re.Pattern], ...] = (
    ("ip", re.compile(r"\b(ip|ip address|ipaddress|ip adresse|ip adress|ip addr|ipv4|ipv6)\b")),
    ("email", re.compile(r"\b(e ?mail|emails|mail|e ?mail address|mail address|e ?mailadresse|e ?mailadress|"
                         r"mailadresse|e ?postadress|e ?postadresse|e ?post|courriel|correo|почта|email id)\b")),
    ("phone", re.compile(r"\b(phone|phones|telephone|tel|tlf|telefon|telefonnummer|telefonnr|mobile|mobil|"
                         r"mobilnummer|mobiltelefon|cell|cellphone|handy|fax|whatsapp|телефон|тел|мобильный)\b")),
    ("name", re.compile(rf"^(name|names|navn|namn|имя|фио|nom|nombre|nome)$|\b({_NAME_PREFIX}) ?names?\b|"
                        r"\b(surname|firstname|lastname|fullname|givenname|familyname|username|nickname|fornavn|"
                        r"efternavn|etternavn|mellemnavn|förnamn|efternamn|tilltalsnamn|vorname|nachname|"
                        r"familienname|kundenname|kundenavn|kundnamn|фамилия|отчество|name on card|"
                        r"name of (the )?(customer|client|person|contact|respondent|requester))\b")),
    ("person", re.compile(r"^(requester|requesters|submitter|reporter|assignee|recipient|respondent|cc|ccs|"
                          r"collaborators|watchers|followers|contact|contact person|kontaktperson|ansprechpartner|"
                          r"customer description)$")),
    ("address", re.compile(r"\b(street|street address|streetaddress|address|addresses|addr|address line|adresse|"
                           r"adress|anschrift|straße|strasse|gade|vej|gatuadress|postadresse|улица|адрес)\b")),
    ("postcode", re.compile(r"\b(zip|zip code|zipcode|postal|postal code|postcode|post code|postnummer|postnr|plz|"
                            r"postleitzahl|индекс)\b")),
    ("city", re.compile(r"^((billing|shipping|delivery|home|customer|kunde|kunden) )?(city|town|by|stad|ort|stadt|"
                        r"wohnort|город|postort|poststed|ville|ciudad)$")),
    ("location", re.compile(r"\b(latitude|longitude|lat|lng|lat long|lat lon|latlong|coordinates|geo ?location|gps|"
                            r"location accuracy)\b|^(lon|long)$")),
    ("card", re.compile(r"\b(card ?number|credit ?card|cc number|iban|card name)\b")),
    ("identity", re.compile(r"\b(ssn|social security|personnummer|cpr|cpr nr|cpr nummer|national id|passport|"
                            r"tax id|fødselsnummer|date of birth|birth ?date|birthday|dob|geburtsdatum|fødselsdato|"
                            r"födelsedatum)\b")),
    ("social", re.compile(r"\b(facebook id|twitter id|twitter handle|linkedin url|instagram handle|skype|"
                          r"telegram id)\b")),
)
# kinds whose header alone decides (an attribute word does not make them safe)
_ALWAYS = {"ip", "location", "card", "identity", "social"}
_YES_NO = frozenset({"yes", "no", "y", "n", "true", "false", "t", "f", "0", "1", "ja", "nej", "nein", "да", "нет",
                     "oui", "non", "si", "sí", "none", "n/a", "na", "-", "unknown", "no phone service",
                     "no internet service", "x", ""})
_SAMPLE = 2000
_ONLY_EMAILS = rf"^(?:[\s,;<>\"'|]*(?:{EMAIL_RE2}|<e-mail removed>))+[\s,;<>\"'|]*$"
_ONLY_PHONES = rf"^(?:[\s,;/|]*(?:{'|'.join(_PHONE_FORMS)}))+[\s,;/|]*$"


def _kind_by_name(name: object) -> str | None:
    words = _header_words(name)
    if not words:
        return None
    for kind, rx in _KINDS:
        if rx.search(words):
            if kind not in _ALWAYS and _ATTRIBUTE.search(words):
                return None
            return kind
    return None


def classify_column(name: object, values: pd.Series | None = None) -> str | None:
    """What kind of personal data a column holds, by its header and (when given) its values; None if none.

    Kinds: ``'email'``, ``'phone'``, ``'name'``, ``'person'`` (requester, recipient, contact ...),
    ``'address'``, ``'postcode'``, ``'city'``, ``'location'`` (coordinates), ``'ip'``, ``'card'``,
    ``'identity'`` (national id, date of birth) and ``'social'``. A header that names a service, tier,
    count, flag or other attribute (``Phone Service``, ``CityTier``, ``NumberOfAddress``, ``Email Opt-in``)
    is not personal; nor is a column whose header looks personal but whose values are only yes/no or
    small counts. A column whose header says nothing is personal when most of its values are e-mail
    addresses or phone numbers. Repeated columns (``Requester (2)``) follow their first's rule.

    Examples
    --------
    >>> [classify_column(c) for c in ["Requester", "Requester (2)", "Billing Zip", "Phone Service", "CityTier"]]
    ['person', 'person', 'postcode', None, None]
    >>> classify_column("Login", pd.Series(["anna@example.com", "bo@example.org", ""]))
    'email'
    >>> classify_column("Mobile", pd.Series(["Yes", "No", "Yes"])) is None
    True
    """
    kind = _kind_by_name(name)
    if values is None or kind in _ALWAYS:
        return kind
    v = values
    if v.dtype != object and not pd.api.types.is_string_dtype(v.dtype):
        # numbers: a small count or tier is no person; coordinates and postcodes stay personal by header
        if kind in ("email", "phone", "name", "person", "address"):
            x = pd.to_numeric(v, errors="coerce").dropna()
            if len(x) and (x.abs() < 100).all():
                return None
        return kind
    k = 4 * _SAMPLE  # the first _SAMPLE non-empty values, from as short a prefix of the column as holds them
    while True:
        s = v.iloc[:k].dropna().astype("str")
        s = s[s.str.len() > 0]
        if len(s) >= _SAMPLE or k >= len(v):
            break
        k *= 4
    s = s.head(_SAMPLE).str.strip()
    s = s[s != ""]
    if len(s) == 0:
        return kind
    if kind is not None:
        # yes/no flags, small counts and tiers, or a checkbox holding its own label ("Email" under
        # "Which channels did you use? [Email]") are attributes, not a person's data
        low = s.str.casefold()
        own = set(_header_words(name).split())
        if low.isin(_YES_NO | own).all() or (kind != "postcode" and low.str.fullmatch(r"\d{1,2}").all()):
            return None
        return kind
    import pyarrow.compute as pc

    arr = _arrow_strings(s)
    if pc.mean(pc.match_substring_regex(arr, f"{_MAYBE_EMAIL}|{_MAYBE_PHONE}|<e-mail removed>")).as_py() < 0.5:
        return None  # cheap: most columns hold neither
    emails = pc.mean(pc.match_substring_regex(arr, _ONLY_EMAILS)).as_py()
    phones = pc.mean(pc.match_substring_regex(arr, _ONLY_PHONES)).as_py()
    if max(emails, phones) >= 0.5:
        return "email" if emails >= phones else "phone"
    return None


def classify_column_prefix(name: object, head: pd.Series) -> tuple[bool, str | None]:
    """:func:`classify_column` of a text column known only by its first values: ``(decided, kind)``.

    ``decided`` is True when ``head`` alone fixes the answer for every column of text that starts with
    it: the header's kind needs no values, or ``head`` holds the first ``_SAMPLE`` non-empty values that
    :func:`classify_column` reads. ``kind`` is then that answer; otherwise ``(False, None)``. A reader uses
    it to let a column go before parsing the rest of the file.

    Examples
    --------
    >>> classify_column_prefix("Billing Phone", pd.Series(["+45 12 34 56 78"] * 2000, dtype="str"))
    (True, 'phone')
    >>> classify_column_prefix("Billing Phone", pd.Series(["+45 12 34 56 78", ""], dtype="str"))
    (False, None)
    >>> classify_column_prefix("IP Address", pd.Series([], dtype="str"))
    (True, 'ip')
    """
    kind = _kind_by_name(name)
    if kind in _ALWAYS:
        return True, kind
    if not pd.api.types.is_string_dtype(head.dtype):
        return False, None
    if int((head.dropna().astype("str").str.len() > 0).sum()) < _SAMPLE:
        return False, None
    return True, classify_column(name, head)


def is_personal_column(name: str, values: pd.Series | None = None) -> bool:
    """Whether a column holds data that identifies a person (see :func:`classify_column`).

    Names, e-mail addresses, phone numbers, IP addresses and locations
    (coordinates, street addresses, postcodes), in English and the Nordic,
    German and Russian words seen in exports; not the attributes that merely
    mention them (``Phone Service``, ``CityTier``, ``NumberOfAddress``).

    Examples
    --------
    >>> [is_personal_column(c) for c in ["Requester email", "Billing Name", "IPAddress", "Status", "Group"]]
    [True, True, True, False, False]
    >>> [is_personal_column(c) for c in ["Phone Service", "CityTier", "NumberOfAddress", "Product name"]]
    [False, False, False, False]
    """
    return classify_column(name, values) is not None
