"""Pseudonymising people: keyed e-mail hashes and personal-column detection.

``email_key`` links a customer across exports without carrying the address: the
address is trimmed and lower-cased, then hashed with a keyed hash (SipHash-2-4,
pandas' vectorised ``hash_pandas_object`` with a 16-byte key derived from your
key). Use the same key every month so keys link across runs: pass ``key=`` or set
the environment variable ``CSANALYSIS_KEY``. Without either, one random key is
drawn per Python process (keys then link only within that process; the load
report says so).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets

import numpy as np
import pandas as pd

__all__ = ["email_key", "email_key_note", "pseudonymise", "is_personal_column", "key_source", "redact_emails"]

_EMAIL_RX = r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"


def redact_emails(values: pd.Series) -> pd.Series:
    """Replace e-mail addresses inside text by ``[email]``.

    Examples
    --------
    >>> redact_emails(pd.Series(["write to anna@example.com now", None])).tolist()
    ['write to [email] now', nan]
    """
    s = values.astype("str")
    return s.str.replace(_EMAIL_RX, "[email]", regex=True)

_PROCESS_KEY = secrets.token_bytes(32)
ENV_VAR = "CSANALYSIS_KEY"


def key_source(key: str | bytes | None = None) -> str:
    """Where the hashing key comes from: ``'argument'``, ``'environment'`` or ``'random per process'``."""
    if key is not None:
        return "argument"
    if os.environ.get(ENV_VAR):
        return "environment"
    return "random per process"


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
    if src == "random per process":
        note += "; keys will not match another run: set CSANALYSIS_KEY (or key=) to link monthly runs"
    return note


def _hash_key(key: str | bytes | None, purpose: str) -> str:
    if key is None:
        key = os.environ.get(ENV_VAR) or _PROCESS_KEY
    if isinstance(key, str):
        key = key.encode("utf-8")
    digest = hashlib.sha256(purpose.encode() + b"\x00" + key).digest()
    return base64.b64encode(digest).decode("ascii")[:16]  # 16 ASCII chars = the 16-byte SipHash key


def _keyed_hex(values: pd.Series, key: str | bytes | None, purpose: str, prefix: str) -> pd.Series:
    """``prefix`` + 16 hex digits of the keyed SipHash of each non-empty value (missing stays missing).

    Vectorised end to end: pandas hashes, numpy formats the hex digits, pyarrow joins the prefix, and the
    result is handed to pandas as an Arrow-backed string column without a per-value Python step.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    s = values.astype("str")
    present = (s.notna() & (s != "")).to_numpy()
    if not present.any():
        return pd.Series(np.nan, index=values.index, dtype=pd.StringDtype(na_value=np.nan))
    # categorize=False: identical hashes, and faster for mostly distinct values such as addresses
    h = pd.util.hash_pandas_object(s[present], index=False, hash_key=_hash_key(key, purpose),
                                   categorize=False).to_numpy()
    hexed = pa.array(np.frombuffer(h.astype(">u8").tobytes().hex().encode("ascii"), dtype="S16"), type=pa.binary(16))
    keyed = pc.binary_join_element_wise(prefix.encode("ascii"), hexed.cast(pa.binary()), b"").cast(pa.string())
    if present.all():
        arr = keyed
    else:
        # scatter into a full-length column with nulls where the value was missing
        idx = np.cumsum(present) - 1
        arr = pc.if_else(pa.array(present), pc.take(keyed, pa.array(np.where(present, idx, 0))), pa.scalar(None, pa.string()))
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

    raw = pa.array(emails.astype("str").to_numpy(dtype=object, na_value=None), type=pa.string())
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


_PERSONAL = re.compile(
    r"""(^|[\s_(\-])(
        e-?mail|mail\s*address|email\s*address|e-?mailadresse|e-?postadress|e-?postadresse|почта|
        (first|last|full|given|family|sur|user|customer|contact|requester|recipient|billing|shipping|respondent|client)[\s_-]*name|
        (first|last|given|family|sur)[\s_-]*name|^name$|navn|namn|^имя|фамилия|фио|vorname|nachname|
        phone|telephone|mobile|telefon|телефон|
        ip[\s_-]*address|ipaddress|^ip$|
        latitude|longitude|location[\s_-]*(latitude|longitude|accuracy)|
        street|address\s*\d?|address[12]|zip|postal|postcode|post\s*code|
        facebook\s*id|twitter\s*id|card\s*name|customer\s*description|lat\s*long|
        city|town|^by$|^stad$|^ort$|^stadt$|город|адрес
    )|(first|last|given|family|sur)[\s_-]*name""",
    re.I | re.X,
)


def is_personal_column(name: str) -> bool:
    """Whether a column header names data that identifies a person.

    Names, e-mail addresses, phone numbers, IP addresses and locations
    (coordinates, street addresses, postcodes), in English and the Nordic,
    German and Russian words seen in exports.

    Examples
    --------
    >>> [is_personal_column(c) for c in ["Requester email", "Billing Name", "IPAddress", "Status", "Group"]]
    [True, True, True, False, False]
    """
    n = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(name).strip())  # RecipientLastName -> Recipient Last Name
    return bool(_PERSONAL.search(n))
