"""Theme discovery: the words that set a group of comments apart, so the reason vocabulary can grow.

:func:`discover_themes` compares the comments of a focus group (for example the
bad-experience comments that no reason tag caught) with the other comments of
the same language, word stem by word stem (Snowball stemmers, as the tagger),
and ranks the stems by the log-odds ratio with an informative Dirichlet prior
(Monroe, Colaresi & Quinn 2008, "Fightin' words"), a z-score that does not
crown rare words. Counts are of comments (a word repeated in one comment counts
once).

Privacy: a stem is kept only when it appears in at least ``min_comments``
focus comments and its words are written in lower case at least as often as
capitalised (a name, even one the masking did not know, is capitalised; so
are German nouns, which therefore only show with ``keep_capitalised=True``).
Texts are masked (:func:`csanalysis.privacy.mask_text`) before anything is
counted; the placeholders ``[email]``, ``[phone]`` and ``[name]`` are not words.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from csanalysis.stats.multiplicity import adjust_pvalues

from .language import LANGUAGES, language_code
from .tokens import STEMMERS

__all__ = ["discover_themes", "THEME_COLUMNS"]

#: Columns of :func:`discover_themes`' result.
THEME_COLUMNS = ("language", "stem", "word", "comments", "share", "share_other", "z")


def discover_themes(texts: Any, focus: Any, *, language: Any = None, top: int = 20, min_comments: int = 5,
                    prior: float = 0.1, keep_capitalised: bool = False,
                    max_share_other: float = 0.05) -> pd.DataFrame:
    """Word stems over-represented in the ``focus`` comments against the other comments of each language.

    Parameters
    ----------
    texts : sequence of str
        The comments.
    focus : sequence of bool
        The comments to characterise (for example: bad experience and no reason tag).
    language : str or sequence of str, optional
        One language code, or one per text (``None`` entries are left out); default: detected
        (:func:`csanalysis.text.detect_language`).
    top : int, default 20
        Stems per language, the highest z first. Only stems over-represented at a false-discovery rate of
        5% among the language's candidate stems (Benjamini-Hochberg over those in at least ``min_comments``
        focus comments) are kept, so that a large vocabulary does not fill the list with chance.
    min_comments : int, default 5
        A stem must appear in at least this many focus comments.
    prior : float, default 0.1
        Strength of the Dirichlet prior: pseudo-counts of ``prior`` times each stem's pooled count (the
        corpus itself as the prior, as Monroe et al. do; larger: pulled harder towards no difference).
    keep_capitalised : bool, default False
        Keep stems whose words are mostly capitalised (names; German nouns).
    max_share_other : float, default 0.05
        Keep stems that at most this share of the other comments use: words every comment uses ("for",
        "my", "the"), over-represented in longer focus comments, are no theme. (No stop-word list is
        needed, so every language is treated alike; words of one or two letters, function words in every
        language such as "på", "of", "im", "на", are not read.)

    Returns
    -------
    DataFrame
        :data:`THEME_COLUMNS`: the stem, its most frequent word, the focus comments holding it, its share of
        the focus and of the other comments, and the z-score of the log-odds ratio.

    Examples
    --------
    >>> t = ["the parcel never came"] * 6 + ["great service"] * 6 + ["fine, thanks"] * 6
    >>> discover_themes(t, [True] * 6 + [False] * 12, language="en", min_comments=3)["word"].tolist()
    ['came', 'never', 'parcel', 'the']
    """
    import snowballstemmer

    from csanalysis.privacy import mask_text

    from .language import detect_language

    s = pd.Series(list(texts), dtype="object").astype("str")
    f = np.asarray(focus, dtype=bool)
    if f.shape != (len(s),):
        raise ValueError(f"focus must hold one True/False per text ({len(s)}), got shape {f.shape}.")
    if language is None:
        lang = detect_language(s).astype("object")
    elif isinstance(language, str):
        lang = pd.Series(language_code(language), index=s.index, dtype="object")
    else:
        given = pd.Series(list(language), dtype="object")
        if len(given) != len(s):
            raise ValueError(f"language must be one code or one per text ({len(s)}), got {len(given)}.")
        codes = {u: language_code(u) for u in given.dropna().unique()}  # the distinct names, not the rows
        lang = pd.Series(given.map(codes).to_numpy(), index=s.index, dtype="object")
    masked = mask_text(s).str.replace(r"\[(?:email|phone|name)\]", " ", regex=True)
    words = masked.str.findall(r"[^\W\d_]{3,}")  # two-letter words are function words (på, of, im, на)
    tok = pd.DataFrame({"doc": np.repeat(np.arange(len(s)), words.str.len().to_numpy()),
                        "word": np.concatenate([np.asarray(w, dtype=object) for w in words] or [np.array([], object)])})
    tok["language"] = lang.to_numpy()[tok["doc"].to_numpy()]
    tok = tok[tok["language"].isin(list(LANGUAGES))]
    tok["lower"] = tok["word"].str.lower()
    tok["capital"] = tok["word"].str[0].str.isupper() & ~tok["word"].str.isupper()
    out = []
    for lg, g in tok.groupby("language", sort=True):  # seven languages at most
        stemmer = snowballstemmer.stemmer(STEMMERS[str(lg)])
        uniq = g["lower"].unique()
        g = g.assign(stem=g["lower"].map(dict(zip(uniq, stemmer.stemWords(list(uniq))))))
        g = g.drop_duplicates(["doc", "stem"]).assign(focus=f[g.drop_duplicates(["doc", "stem"])["doc"].to_numpy()])
        docs = lang.eq(lg).to_numpy()
        n1, n2 = int((docs & f).sum()), int((docs & ~f).sum())
        if n1 == 0 or n2 == 0:
            continue
        y1 = g[g["focus"]].groupby("stem").size()
        y2 = g[~g["focus"]].groupby("stem").size()
        st = pd.DataFrame({"y1": y1, "y2": y2}).fillna(0.0)
        tot = st["y1"] + st["y2"]
        a = prior * tot  # informative Dirichlet prior: the pooled counts
        a0 = float(a.sum())
        d = (np.log((st["y1"] + a) / (n1 + a0 - st["y1"] - a)) - np.log((st["y2"] + a) / (n2 + a0 - st["y2"] - a)))
        z = d / np.sqrt(1.0 / (st["y1"] + a) + 1.0 / (st["y2"] + a))
        word = (g.groupby(["stem", "lower"]).size().rename("k").reset_index()
                .sort_values(["stem", "k", "lower"], ascending=[True, False, True]).drop_duplicates("stem")
                .set_index("stem")["lower"])
        cap = g.groupby("stem")["capital"].mean()
        res = pd.DataFrame({"language": lg, "stem": st.index, "word": word.reindex(st.index).to_numpy(),
                            "comments": st["y1"].to_numpy(dtype=np.int64), "share": st["y1"].to_numpy() / n1,
                            "share_other": st["y2"].to_numpy() / n2, "z": z.to_numpy(),
                            "capital": cap.reindex(st.index).to_numpy()})
        cand = (res["comments"] >= min_comments) & (res["share_other"] <= max_share_other)
        # many stems are tested: those over-represented at a false-discovery rate of 5% (Benjamini-Hochberg,
        # one-sided p-values of the z-scores, over the candidates)
        p = stats.norm.sf(res["z"].to_numpy())
        keep = cand.to_numpy().copy()
        if keep.any():
            keep[keep] = adjust_pvalues(p[keep], "fdr_bh") <= 0.05
        keep = pd.Series(keep, index=res.index)
        if not keep_capitalised:
            keep &= res["capital"] <= 0.5
        out.append(res[keep].sort_values(["z", "stem"], ascending=[False, True]).head(top))
    if not out:
        return pd.DataFrame(columns=list(THEME_COLUMNS))
    return pd.concat(out, ignore_index=True).loc[:, list(THEME_COLUMNS)]
