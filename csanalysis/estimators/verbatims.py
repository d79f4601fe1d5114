"""What customers complain about, in their own words: the share of comments giving each reason.

:func:`verbatims` stacks the free-text answers of the survey responses (the
columns the survey reader marked as free text), tags each with
:func:`csanalysis.text.tag_reasons`, and gives per reason, language and group
the share of comments that give the reason, with a cluster-robust interval
over customers (a customer who writes several comments counts once as a
sampling unit).

Language: the export's language column where there is one (Qualtrics
``UserLanguage``; codes read by :func:`csanalysis.text.language_code`),
otherwise :func:`csanalysis.text.detect_language`; ``language=`` overrides.

Only validated reasons are published: a reason enters a language's figures
when its precision on the frozen labelled set is at least 0.8 and its recall
at least 0.5 in that language (``validation/verbatims.py`` writes the verdicts
to ``csanalysis/text/validated.csv``, shipped with the package). The row for
``language="all"`` pools the languages in which the reason is published.

Groups: ``all``; ``experience=bad`` and ``experience=not bad`` where the
response carries a CSAT answer (bad: CSAT at most ``csat_bad_at_most``, the
default bad-experience rule's 2).

Tone: every comment is also scored by :func:`csanalysis.text.score_sentiment`
(shipped lexicons), and ``tone`` gives per language and group the share of
comments negative in tone (compound score at most -0.05), with the same
intervals. As for the reasons, a language's tone is published only where the
scorer was checked on a frozen labelled set and its "negative" label was right
often enough (precision at least 0.8, recall at least 0.5;
``validation/sentiment.py`` writes ``csanalysis/text/sentiment_validated.csv``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from csanalysis.results import Result
from csanalysis.stats.arrays import HoldsArrays
from csanalysis.stats.clustered import clustered_share_ci

__all__ = ["VERBATIM_COLUMNS", "TONE_COLUMNS", "VerbatimsResult", "verbatims", "validated_reasons",
           "validated_sentiment", "published_tags", "comment_table", "TICKET_COLUMNS_READ", "VerbatimsPart",
           "response_columns_read", "verbatims_from_parts"]

#: Columns of the ``verbatims`` contract (``Analysis.results["verbatims"].table``, ``results.json``).
VERBATIM_COLUMNS: tuple[str, ...] = ("reason", "language", "group", "share", "ci_low", "ci_high", "n")
#: Columns of :attr:`VerbatimsResult.tone`: the share of comments negative in tone, per language and group.
TONE_COLUMNS: tuple[str, ...] = ("language", "group", "share", "ci_low", "ci_high", "n", "k", "customers",
                                 "mean_score", "lexicon", "precision", "recall")
#: Free-text ticket columns that hold the customer's comment on the rating (read with the survey comments):
#: Zendesk's JSON ``satisfaction_rating.comment``, Intercom's ``Conversation rating remark``, a generic
#: ``csat_comment``. Subjects and descriptions say what was asked, not how the service was, and are left out.
TICKET_COMMENT_COLUMNS = re.compile(r"(rating|satisfaction|csat|feedback).*(comment|remark)|"
                                    r"(comment|remark).*(rating|satisfaction|csat)", re.IGNORECASE)
#: The columns of the tickets :func:`verbatims` reads besides the comment columns (:data:`TICKET_COMMENT_COLUMNS`).
TICKET_COLUMNS_READ: tuple[str, ...] = ("customer", "ticket_id", "rating_score", "solved_at", "created_at", "channel")
#: A reason is quoted only when at least this many comments give it (issue 15, point 5).
QUOTE_MIN_COMMENTS = 10
#: A comment the language detection leaves undecided takes its column's language when at least
#: MAJORITY_MIN comments of the column were decided and MAJORITY_SHARE of them in that language.
MAJORITY_MIN = 10
MAJORITY_SHARE = 0.8
#: Columns holding the respondent's language, first found wins.
LANGUAGE_COLUMNS: tuple[str, ...] = ("user_language", "userlanguage", "language", "lang", "q_language",
                                     "survey_language", "sprog", "språk", "sprache", "язык", "idioma")


def published_tags(tags: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
    """Whether each tag (:func:`csanalysis.text.tag_reasons` rows) is of a reason-language pair in ``pairs``
    (rows with ``reason`` and ``language``, e.g. the published rows of :func:`validated_reasons`)."""
    key = pd.MultiIndex.from_arrays([pairs["reason"].astype("str"), pairs["language"].astype("str")])
    return pd.MultiIndex.from_arrays([tags["reason"].astype("str"), tags["language"].astype("str")]).isin(key)


def _verdicts(validated: Any, name: str, columns: list[str]) -> pd.DataFrame:
    """A validation's verdicts: ``validated`` itself when a DataFrame, else the shipped ``csanalysis/text/<name>``
    (an empty table with ``columns`` when it does not exist: nothing is published)."""
    if isinstance(validated, pd.DataFrame):
        return validated
    try:
        text = resources.files("csanalysis.text").joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return pd.DataFrame(columns=columns)
    from io import StringIO

    return pd.read_csv(StringIO(text))


def validated_reasons(validated: Any = "shipped") -> pd.DataFrame:
    """The per reason and language verdicts of the validation: ``reason, language, precision, recall, published``.

    ``"shipped"`` reads ``csanalysis/text/validated.csv`` (empty when it does not exist yet: nothing is
    published); a DataFrame is used as given.
    """
    return _verdicts(validated, "validated.csv", ["reason", "language", "precision", "recall", "published"])


def validated_sentiment(validated: Any = "shipped") -> pd.DataFrame:
    """Per language, how the sentiment scorer's "negative" label did on the frozen labelled set:
    ``language, accuracy, precision, recall, published`` (``published``: precision >= 0.8 and recall >= 0.5).

    ``"shipped"`` reads ``csanalysis/text/sentiment_validated.csv`` (written by ``validation/sentiment.py``;
    empty when it does not exist: no tone is published); a DataFrame is used as given.
    """
    return _verdicts(validated, "sentiment_validated.csv", ["language", "accuracy", "precision", "recall",
                                                             "published"])


def _ticket_comments(tickets: pd.DataFrame | None) -> pd.DataFrame | None:
    """The tickets' satisfaction comments as comment rows (``response`` -1), or None when the export has none.

    Only the rating's own comment counts (a free-text column named like :data:`TICKET_COMMENT_COLUMNS`): a
    subject or description says what the customer asked, not how the service was. Its CSAT is the ticket's
    rating on 1-5 (``1 + 4 x rating_score``, so "bad" means the same as for the tickets), its time the
    ticket's solved time (else its creation).
    """
    if tickets is None or not len(tickets):
        return None
    cols = [c for c in (tickets.attrs.get("free_text_columns") or [])
            if c in tickets.columns and TICKET_COMMENT_COLUMNS.search(str(c))]
    if not cols:
        return None
    cust = (tickets["customer"] if "customer" in tickets.columns else tickets["ticket_id"]).astype("str")
    score = (pd.to_numeric(tickets["rating_score"], errors="coerce") if "rating_score" in tickets.columns
             else pd.Series(np.nan, index=tickets.index))
    when = pd.to_datetime(tickets["solved_at"] if "solved_at" in tickets.columns else tickets["created_at"],
                          utc=True, errors="coerce")
    if "created_at" in tickets.columns:
        when = when.fillna(pd.to_datetime(tickets["created_at"], utc=True, errors="coerce"))
    parts = []
    for rank, c in enumerate(cols):  # one or two comment columns
        txt = tickets[c].astype("str")
        ok = (txt.notna() & txt.str.strip().ne("")).to_numpy()
        parts.append(pd.DataFrame({
            "customer": cust[ok].to_numpy(), "response": np.full(int(ok.sum()), -1, dtype=np.int64),
            "column": f"tickets: {c}", "text": txt[ok].to_numpy(),
            "given_language": np.full(int(ok.sum()), None, dtype=object),
            "csat": (1.0 + 4.0 * score[ok]).to_numpy(dtype="float64"), "at": when[ok].to_numpy(),
            "ticket_id": tickets.loc[ok, "ticket_id"].astype("str").to_numpy(),
            "_col": rank, "_row": np.asarray(tickets.index[ok])}))  # (the rows' order: _comment_rows)
    out = pd.concat(parts, ignore_index=True)
    return out if len(out) else None


_NO_COMMENTS = ("no free-text survey columns (comments) and no ticket satisfaction comments to read reasons from")


def response_columns_read(responses: pd.DataFrame) -> tuple[str, ...]:
    """The columns of the survey answers :func:`verbatims` reads: the free-text ones, the language column, the
    respondent, the CSAT, the answer time and the ticket (those ``responses`` has; the Dask engine sends only
    these to the partitions)."""
    free = [c for c in (responses.attrs.get("free_text_columns") or []) if c in responses.columns]
    lang = [c for c in responses.columns if str(c).casefold() in LANGUAGE_COLUMNS][:1]
    wanted = (*free, *lang, "customer", "csat", "responded_at", "ticket_id")
    return tuple(c for c in dict.fromkeys(wanted) if c in responses.columns)


def _comment_rows(responses: pd.DataFrame | None, tickets: pd.DataFrame | None, *,
                  ordered: bool = False) -> tuple[pd.DataFrame, bool]:
    """:func:`comment_table`'s rows before their languages (with ``given_language``), and whether the tables
    have anything to read reasons from (a free-text survey column, or a ticket satisfaction comment).

    ``ordered=True`` (a partition of the whole tables, whose rows carry their numbers in them as index labels):
    an answer's ``response`` is its index label, and ``_col`` / ``_row`` (the comment column's rank, the row's
    label) order the partitions' rows as the whole tables' (:func:`verbatims_from_parts`).
    """
    cols = ([c for c in (responses.attrs.get("free_text_columns") or []) if c in responses.columns]
            if responses is not None else [])
    from_tickets = _ticket_comments(tickets)
    lang_col = (next((c for c in responses.columns if str(c).casefold() in LANGUAGE_COLUMNS), None)
                if responses is not None else None)
    parts = []
    cust = (None if not cols else responses["customer"] if "customer" in responses.columns
            else pd.Series(np.arange(len(responses)).astype(str), index=responses.index))
    for rank, c in enumerate(cols):  # a handful of comment columns
        txt = responses[c].astype("str")
        ok = txt.notna() & txt.str.strip().ne("")
        labels = responses.index[ok.to_numpy()].to_numpy(dtype=np.int64) if ordered else None
        part = pd.DataFrame({
            "customer": cust[ok].astype("str").to_numpy(),
            "response": labels if ordered else np.flatnonzero(ok.to_numpy()),
            "column": c, "text": txt[ok].to_numpy(),
            "given_language": (responses.loc[ok, lang_col].astype("str").to_numpy() if lang_col is not None
                               else np.full(int(ok.sum()), None, dtype=object)),
            "csat": (pd.to_numeric(responses.loc[ok, "csat"], errors="coerce").to_numpy(dtype="float64")
                     if "csat" in responses.columns else np.full(int(ok.sum()), np.nan)),
            "at": (pd.to_datetime(responses.loc[ok, "responded_at"], utc=True, errors="coerce").to_numpy()
                   if "responded_at" in responses.columns else np.full(int(ok.sum()), np.datetime64("NaT", "ns"))),
            "ticket_id": (responses.loc[ok, "ticket_id"].astype("str").to_numpy()
                          if "ticket_id" in responses.columns else np.full(int(ok.sum()), None, dtype=object))})
        if ordered:
            part["_col"], part["_row"] = rank, labels
        parts.append(part)
    if from_tickets is not None:
        if ordered:  # (the ticket comments follow the survey's, column by column, each in the tickets' order)
            from_tickets["_col"] = len(cols) + from_tickets["_col"].to_numpy()
        parts.append(from_tickets if ordered else from_tickets.drop(columns=["_col", "_row"]))
    if not parts:
        return pd.DataFrame(), bool(cols)
    out = pd.concat(parts, ignore_index=True)
    out["source"] = np.where(out["response"].to_numpy() >= 0, "survey", "tickets")
    return out, bool(cols) or from_tickets is not None


def _given_or_detected(out: pd.DataFrame, language: Any) -> pd.Series:
    """Each comment's language code before its column's majority: ``language`` for all, else the given one,
    else detected (None where undecided)."""
    from csanalysis.text import detect_language, language_code

    if language is not None:
        return pd.Series(language_code(language), index=out.index, dtype="object")
    codes = out["given_language"].map(lambda v: None if v is None or pd.isna(v) else language_code(v))
    todo = codes.isna().to_numpy()
    if todo.any():
        codes[todo] = detect_language(out.loc[todo, "text"]).to_numpy()
    return codes


def _language_counts(out: pd.DataFrame, codes: pd.Series) -> pd.Series:
    """The decided comments per column and language (what a column's majority is decided from; counts add up
    over partitions)."""
    decided = pd.DataFrame({"column": out["column"], "lang": codes})[codes.notna()]
    return decided.groupby(["column", "lang"]).size()


def _column_majority(counts: pd.Series) -> pd.Series:
    """The language an undecided comment of each column takes (column -> code): the column's when at least
    :data:`MAJORITY_MIN` of its comments were decided and :data:`MAJORITY_SHARE` of them in that language."""
    total = counts.groupby(level="column").sum()
    top = counts.sort_values(ascending=False).groupby(level="column").head(1)
    top = top[(top >= MAJORITY_SHARE * total.reindex(top.index.get_level_values("column")).to_numpy())
              & (total.reindex(top.index.get_level_values("column")).to_numpy() >= MAJORITY_MIN)]
    return pd.Series(top.index.get_level_values("lang"), index=top.index.get_level_values("column"))


def _with_languages(out: pd.DataFrame, codes: pd.Series, fill: Any, language: Any) -> pd.DataFrame:
    """The comment rows with ``language`` and ``language_from``: an undecided comment takes its column's majority
    (``fill``: a callable giving it from the counts, or the column -> code series)."""
    out = out.copy()
    undecided = codes.isna()
    if language is None and undecided.any():
        fill = fill() if callable(fill) else fill
        codes = codes.where(~undecided, out["column"].map(fill))
        out["language_from"] = np.where(~undecided, "given or detected",
                                        np.where(codes.notna(), "majority of the column", "undecided"))
    out["language"] = codes.astype("object")
    if "language_from" not in out.columns:
        out["language_from"] = np.where(codes.notna(), "language argument" if language is not None
                                        else "given or detected", "undecided")
    return out.drop(columns="given_language")


def comment_table(responses: pd.DataFrame | None, *, language: Any = None,
                  tickets: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per non-empty free-text answer: ``customer, response, column, text, csat, at, ticket_id, language,
    language_from`` (where the language came from: given or detected, the majority of the column, undecided),
    ``source`` (``survey`` or ``tickets``).

    The free-text columns are those the survey reader marked (``responses.attrs["free_text_columns"]``); with
    ``tickets``, the satisfaction comments the ticket export carries (Zendesk's JSON ``satisfaction_rating``
    comment, Intercom's rating remark) follow, with ``response`` -1 (see :data:`TICKET_COMMENT_COLUMNS`).
    """
    out, has = _comment_rows(responses, tickets)
    if not has:
        raise ValueError(_NO_COMMENTS)
    codes = _given_or_detected(out, language)
    return _with_languages(out, codes, lambda: _column_majority(_language_counts(out, codes)), language)


@dataclass
class VerbatimsResult(Result):
    """Shares of comments giving each reason, per language and group (see :func:`verbatims`)."""

    table: pd.DataFrame
    tags: pd.DataFrame
    comments: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    title: str = "Reasons customers give in their comments"
    #: ``no_return_after_disrespect`` (:func:`csanalysis.estimators.avoidance.no_return_after_disrespect`), filled
    #: by :func:`csanalysis.analyse` when experiences and purchases are there too
    disrespect: Any = None
    #: :func:`csanalysis.text.score_sentiment` of ``comments`` (``text_index`` = row of ``comments``)
    sentiment: pd.DataFrame | None = None
    #: the share of comments negative in tone per language and group (:data:`TONE_COLUMNS`), published
    #: languages only
    tone: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(TONE_COLUMNS)))

    def summary(self) -> pd.DataFrame:
        return self.table.loc[:, list(VERBATIM_COLUMNS)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"verbatims": [records of the contract columns], "settings": ...}``."""
        from csanalysis.results import frame_records, jsonable

        return jsonable({"verbatims": frame_records(self.summary()), "comments": len(self.comments),
                         "settings": self.settings})

    def _published_tags(self) -> np.ndarray:
        """Whether each tag is of a reason published for its language."""
        return published_tags(self.tags, self.table.loc[self.table["language"] != "all"])

    def quotes(self, *, per_reason: int = 3, max_chars: int = 120, min_comments: int = QUOTE_MIN_COMMENTS
               ) -> pd.DataFrame:
        """Short example comments for the published reasons given by at least ``min_comments`` comments.

        A comment is quoted only when it is short (at most ``max_chars`` characters), masked again
        (:func:`csanalysis.privacy.mask_text`), holds no digit (ids, order numbers, dates) and no capitalised
        word that the comments never use in lower case (it could be a name the masking did not know; German
        comments, whose nouns are capitalised, are therefore seldom quoted). Which comments are quoted does not
        depend on their order: they are taken in the order of a hash of their text.

        Returns
        -------
        DataFrame
            ``reason, language, quote, evidence`` (the words that made the tag), at most ``per_reason``
            rows per reason.
        """
        from csanalysis.privacy import mask_text

        cols = ["reason", "language", "quote", "evidence"]
        tab = self.table
        if tab.empty or self.tags.empty:
            return pd.DataFrame(columns=cols)
        pooled = tab[(tab["language"] == "all") & (tab["group"] == "all")]
        reasons = set(pooled.loc[pooled["k"] >= min_comments, "reason"])
        t = self.tags[self._published_tags() & self.tags["reason"].isin(reasons).to_numpy()]
        if t.empty:
            return pd.DataFrame(columns=cols)
        text = mask_text(self.comments["text"].astype("str").iloc[t["text_index"].to_numpy()])
        text = text.str.replace(r"\s+", " ", regex=True).str.strip()
        ok = text.str.len().between(8, max_chars) & ~text.str.contains(r"\d", regex=True)
        t = t.assign(quote=text.to_numpy())[ok.to_numpy()].drop_duplicates(["reason", "quote"])
        order = pd.util.hash_pandas_object(t["quote"], index=False).to_numpy()
        t = t.iloc[np.argsort(order, kind="stable")].groupby("reason", sort=False).head(50)
        # a capitalised word passes only when the comments also use it in lower case (a common word, not a name)
        lower = set(self.comments["text"].astype("str").str.findall(r"\b[a-zà-ÿа-яё]\w*").explode().dropna())
        lower.add("i")
        caps = t["quote"].str.findall(r"\b[^\W\d_a-zà-ÿа-яё]\w*")
        plain = caps.map(lambda ws: all(w.lower() in lower for w in ws))  # at most 50 quotes per reason
        t = t[plain.to_numpy(dtype=bool)].groupby("reason", sort=False).head(per_reason)
        rank = {r: i for i, r in enumerate(self.table["reason"].drop_duplicates())}
        t = t.assign(_r=t["reason"].map(rank)).sort_values("_r", kind="stable")
        return t.loc[:, cols].reset_index(drop=True)

    def themes(self, *, top: int = 15, min_comments: int = 5) -> pd.DataFrame:
        """Words that set apart the comments no published reason tag caught (the bad-experience ones where the
        CSAT is known): candidates for new reasons or new vocabulary (:func:`csanalysis.text.discover_themes`)."""
        from csanalysis.text import discover_themes

        com = self.comments
        caught = self._published_tags()
        untagged = ~np.isin(np.arange(len(com)), self.tags.loc[caught, "text_index"].to_numpy())
        csat = com["csat"].to_numpy(dtype="float64")
        bad = csat <= self.settings.get("csat_bad_at_most", 2)
        focus = untagged & bad if np.isfinite(csat).any() else untagged
        if not focus.any() or focus.all():
            from csanalysis.text import THEME_COLUMNS

            return pd.DataFrame(columns=list(THEME_COLUMNS))
        return discover_themes(com["text"], focus, language=com["language"].tolist(), top=top,
                               min_comments=min_comments)

    def footnote(self) -> str:
        return (f"{len(self.comments):,} comments; share of comments giving each reason, cluster-robust Wilson "
                f"intervals over customers ({self.settings.get('confidence', 0.95):.0%}); reasons shown only "
                "where validated (precision >= 0.8, recall >= 0.5) for the language")


def _group_shares(x: np.ndarray, lang: np.ndarray, langs: list[str], groups: dict[str, np.ndarray],
                  pooled_groups: dict[str, np.ndarray], customers: np.ndarray, confidence: float):
    """The share of comments with ``x`` (0/1 each) per language of ``langs`` and pooled over them (``"all"``),
    per group (``pooled_groups`` only for the pooled language), with cluster-robust Wilson intervals over
    ``customers``: yields ``(language, group, mask of the comments, {share, ci_low, ci_high, n, k, customers})``
    for every non-empty cell. A comment whose language is None is in no cell."""
    x = np.asarray(x, dtype=float)
    for lg in [*langs, "all"]:
        in_lang = np.isin(lang, langs) if lg == "all" else lang == lg
        for name, member in (groups | pooled_groups if lg == "all" else groups).items():  # overlapping groups
            m = in_lang & member
            if not m.any():
                continue
            est, lo, hi, n, k, cl = clustered_share_ci(x, customers, np.where(m, 0, -1), 1, confidence)
            yield lg, name, m, {"share": est[0], "ci_low": lo[0], "ci_high": hi[0], "n": n[0], "k": k[0],
                                "customers": cl[0]}


def verbatims(responses: pd.DataFrame, *, language: Any = None, csat_bad_at_most: float = 2,
              confidence: float = 0.95, validated: Any = "shipped", tickets: pd.DataFrame | None = None,
              freq: str = "Y", validated_tone: Any = "shipped") -> VerbatimsResult:
    """Share of survey comments giving each reason, per reason, language and group, with intervals.

    Parameters
    ----------
    responses : DataFrame or None
        Canonical survey responses (:func:`csanalysis.read_survey`), linked or not (``customer`` is the
        sampling unit when present, else each response); None for the tickets' comments alone.
    language : str, optional
        One language code for every comment (overrides the language column and the detection).
    csat_bad_at_most : float, default 2
        CSAT at or below which a response's experience was bad (groups ``experience=bad`` / ``not bad``).
    confidence : float, default 0.95
    validated : "shipped" or DataFrame
        Verdicts of the validation (:func:`validated_reasons`): only published reason-language pairs get rows.
    tickets : DataFrame, optional
        Canonical tickets: a comment about a ticket (its ``ticket_id``) gets the ticket's ``channel``, for
        the groups ``channel=...``; the satisfaction comments the ticket export carries join the survey's
        (:data:`TICKET_COMMENT_COLUMNS`; their CSAT is the ticket's rating).
    freq : {"Y", "Q", "M"}, default "Y"
        Periods of the answer time for the groups ``period=...`` (years, quarters or months; a year gives
        most comments per row).
    validated_tone : "shipped" or DataFrame
        Verdicts of the sentiment validation (:func:`validated_sentiment`): only published languages get
        ``tone`` rows.

    Groups ``period=...`` and ``channel=...`` are given for the pooled language ``all`` only.

    Returns
    -------
    VerbatimsResult
        ``table`` with :data:`VERBATIM_COLUMNS` plus ``k`` (comments giving the reason), ``customers``,
        ``precision`` and ``recall`` (validation); ``tags`` (:func:`csanalysis.text.tag_reasons` of the
        comments, ``text_index`` = row of ``comments``); ``comments`` (:func:`comment_table`); ``sentiment``
        (:func:`csanalysis.text.score_sentiment` of the comments) and ``tone`` (:data:`TONE_COLUMNS`).
    """
    com = comment_table(responses, language=language, tickets=tickets)
    tags, sent = _tagged(com)
    return _verbatims_of(com, tags, sent, _comment_channels(com, tickets), csat_bad_at_most=csat_bad_at_most,
                         confidence=confidence, validated=validated, freq=freq, validated_tone=validated_tone)


def _tagged(com: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The comments' reason tags and sentiment scores (``text_index``: the comment's row)."""
    from csanalysis.text import score_sentiment, tag_reasons

    codes = com["language"].where(com["language"].notna(), None).tolist()
    return (tag_reasons(com["text"], language=codes),
            score_sentiment(com["text"].reset_index(drop=True), language=codes))


def _comment_channels(com: pd.DataFrame, tickets: pd.DataFrame | None) -> pd.Series | None:
    """Each comment's ticket's channel (object values; the ticket's first row), or None when the tickets have
    no channels (no ``channel=...`` groups)."""
    if tickets is None or not {"ticket_id", "channel"} <= set(tickets.columns):
        return None
    first = tickets.drop_duplicates("ticket_id")
    return com["ticket_id"].map(first.set_index(first["ticket_id"].astype("str"))["channel"].astype("object"))


def _verbatims_of(com: pd.DataFrame, tags: pd.DataFrame, sent: pd.DataFrame, ch: pd.Series | None, *,
                  csat_bad_at_most: float, confidence: float, validated: Any, freq: str,
                  validated_tone: Any) -> VerbatimsResult:
    """:func:`verbatims` of its comments (:func:`comment_table`), their tags and scores (:func:`_tagged`) and
    their tickets' channels (:func:`_comment_channels`)."""
    from csanalysis.text import REASONS

    ver = validated_reasons(validated)
    pub = ver.loc[ver["published"].astype(bool)] if len(ver) else ver
    groups = {"all": np.ones(len(com), dtype=bool)}
    if np.isfinite(com["csat"]).any():
        groups["experience=bad"] = (com["csat"] <= csat_bad_at_most).to_numpy()
        groups["experience=not bad"] = (com["csat"] > csat_bad_at_most).to_numpy()
    pooled_groups: dict[str, np.ndarray] = {}
    when = pd.to_datetime(com["at"], utc=True)
    if when.notna().any():
        per = when.dt.tz_convert(None).dt.to_period(freq).astype("str").where(when.notna())
        for pv in sorted(per.dropna().unique()):  # a handful of periods
            pooled_groups[f"period={pv}"] = (per == pv).to_numpy()
    if ch is not None:
        for c in sorted(ch.dropna().astype("str").unique()):  # a few channels
            pooled_groups[f"channel={c}"] = (ch.astype("object") == c).to_numpy()
    lang = com["language"].astype("object").to_numpy()
    customers = com["customer"].to_numpy()
    rows = []
    for reason in [r for r in REASONS if r in set(pub["reason"])]:  # ten reasons
        got = np.zeros(len(com), dtype=bool)
        got[tags.loc[tags["reason"] == reason, "text_index"].to_numpy(dtype=np.int64)] = True
        langs = sorted(set(pub.loc[pub["reason"] == reason, "language"]) & {x for x in lang if x is not None})
        for lg, name, _, share in _group_shares(got, lang, langs, groups, pooled_groups, customers, confidence):
            v = pub.loc[(pub["reason"] == reason) & (pub["language"] == lg)]
            rows.append({"reason": reason, "language": lg, "group": name, **share,
                         "precision": float(v["precision"].iloc[0]) if len(v) else np.nan,
                         "recall": float(v["recall"].iloc[0]) if len(v) else np.nan})
    table = pd.DataFrame(rows, columns=[*VERBATIM_COLUMNS, "k", "customers", "precision", "recall"])
    # tone: the share of comments negative in tone, in the languages whose scorer passed validation
    vt = validated_sentiment(validated_tone)
    vt = vt.loc[vt["published"].astype(bool)] if len(vt) else vt
    scored = sent["score"].notna().to_numpy()
    negative = sent["label"].eq("negative").to_numpy()
    score = sent["score"].to_numpy(dtype="float64")
    langs = sorted(set(vt["language"]) & set(pd.Series(lang[scored], dtype="object").dropna()))
    tone_rows = []
    lexicon = sent["lexicon"].to_numpy()
    for lg, name, m, share in (_group_shares(negative, np.where(scored, lang, None), langs, groups, pooled_groups,
                                             customers, confidence) if langs else ()):
        v = vt.loc[vt["language"] == lg]
        tone_rows.append({"language": lg, "group": name, **share, "mean_score": float(np.mean(score[m])),
                          "lexicon": "; ".join(sorted(set(lexicon[m].astype("str")))),
                          "precision": float(v["precision"].iloc[0]) if len(v) else np.nan,
                          "recall": float(v["recall"].iloc[0]) if len(v) else np.nan})
    tone = pd.DataFrame(tone_rows, columns=list(TONE_COLUMNS))
    return VerbatimsResult(table=table, tags=tags, comments=com, sentiment=sent, tone=tone,
                           settings={"confidence": confidence, "csat_bad_at_most": csat_bad_at_most,
                                     "published": int(len(pub)), "tone_published": langs,
                                     "method": "cluster-robust Wilson over customers"})


class VerbatimsPart(HoldsArrays):
    """One partition's comments for :func:`verbatims` (the Dask engine: :func:`verbatims_from_parts`): its
    tickets and the answers placed with them (their rows carrying their numbers in the whole tables as index
    labels; an answer with its ticket's owner, so that a comment's ticket is in its partition).

    Built where the partition is: its comment rows and their given or detected languages. Asked in two rounds:
    :meth:`counts` (the decided comments per column and language, from which the columns' majorities are
    decided over all partitions), then :meth:`finish` (the languages completed, the tags and sentiment scores).
    """

    def __init__(self, tickets: pd.DataFrame | None, responses: pd.DataFrame | None, *, language: Any = None) -> None:
        self.language = language
        self.rows, self.has = _comment_rows(responses, tickets, ordered=True)
        self.codes = _given_or_detected(self.rows, language) if len(self.rows.columns) else None
        self.channels = None if self.codes is None else _comment_channels(self.rows, tickets)

    def counts(self) -> tuple[bool, pd.Series | None]:
        """Whether the partition's tables have anything to read reasons from, and its decided comments per
        column and language."""
        return self.has, None if self.codes is None else _language_counts(self.rows, self.codes)

    def finish(self, fill: pd.Series) -> tuple | None:
        """``(comments, tags, sentiment, channels)`` of the partition (``fill``: each column's majority language,
        :func:`_column_majority` of every partition's :meth:`counts`); None without comment columns."""
        if self.codes is None:
            return None
        com = _with_languages(self.rows, self.codes, fill, self.language)
        tags, sent = _tagged(com)
        return com, tags, sent, self.channels


def verbatims_from_parts(each: Any, *, csat_bad_at_most: float = 2,
                         confidence: float = 0.95, validated: Any = "shipped", freq: str = "Y",
                         validated_tone: Any = "shipped") -> VerbatimsResult:
    """:func:`verbatims` of the whole tables from their partitions' :class:`VerbatimsPart` (``each(method, **kw)``
    calls ``method`` on every partition's state and returns the answers, in order): the columns' majority
    languages from the counts added up, then the partitions' comments, tags and scores put in the whole tables'
    order. Equal to one call on the whole tables (``language=`` is the parts' own, given where they are built).

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["1", "2"], "customer": ["a", "b"], "channel": ["email", "chat"],
    ...                   "created_at": pd.to_datetime(["2024-01-02", "2024-02-03"], utc=True),
    ...                   "csat_comment": ["The agent was rude", "Waited forever on hold"]})
    >>> t.attrs["free_text_columns"] = ["csat_comment"]
    >>> parts = [VerbatimsPart(t.iloc[[i]], None, language="en") for i in (1, 0)]
    >>> got = verbatims_from_parts(lambda m, **kw: [getattr(p, m)(**kw) for p in parts])
    >>> got.comments["text"].tolist() == verbatims(None, tickets=t, language="en").comments["text"].tolist()
    True
    """
    got = each("counts")
    if not any(has for has, _ in got):
        raise ValueError(_NO_COMMENTS)
    counts = [c for _, c in got if c is not None and len(c)]
    fill = (_column_majority(pd.concat(counts).groupby(level=["column", "lang"]).sum()) if counts
            else pd.Series([], dtype="object"))
    parts = [p for p in each("finish", fill=fill) if p is not None]
    com, tags, sent, ch = _stacked_comments(parts)
    return _verbatims_of(com, tags, sent, ch, csat_bad_at_most=csat_bad_at_most, confidence=confidence,
                         validated=validated, freq=freq, validated_tone=validated_tone)


def _stacked_comments(parts: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Series | None]:
    """The partitions' ``(comments, tags, sentiment, channels)`` (:meth:`VerbatimsPart.finish`) in the whole
    tables' order: comments by column (the survey's, then the tickets') and row, each tag and score at its
    comment's row."""
    full = [p for p in parts if len(p[0])] or parts[:1]
    com = pd.concat([p[0] for p in full], ignore_index=True)
    order = np.lexsort((com["_row"].to_numpy(), com["_col"].to_numpy()))
    where = np.empty(len(order), dtype=np.int64)
    where[order] = np.arange(len(order))  # (a partition's row i is row where[offset + i] of the whole)
    offsets = np.cumsum([0, *(len(p[0]) for p in full[:-1])])

    def placed(k: int) -> pd.DataFrame:  # the tags (k=1) or the scores (k=2) at their comments' rows
        frames = []
        for p, off in zip(full, offsets):
            f = p[k].copy()
            f["text_index"] = where[off + f["text_index"].to_numpy(dtype=np.int64)]
            frames.append(f)
        out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return out.sort_values("text_index", kind="stable").reset_index(drop=True)

    ch = (None if full[0][3] is None
          else pd.Series(np.concatenate([p[3].to_numpy(dtype=object) for p in full])[order], dtype="object"))
    return (com.iloc[order].drop(columns=["_col", "_row"]).reset_index(drop=True), placed(1), placed(2), ch)
