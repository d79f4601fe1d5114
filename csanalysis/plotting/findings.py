"""What to fix and who stands out: key drivers, fair rankings, response-weighted ratings.

Each function takes the result object (:class:`~csanalysis.estimators.DriverResult`,
:class:`~csanalysis.estimators.RankingResult`, :class:`~csanalysis.estimators.NonresponseResult`)
and ``ax=``, and returns the Axes. Nothing is computed here: every drawn number is a column of the
result's ``summary()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd  # noqa: F401  (the examples use it)

from .style import PALETTE, new_axes, percent_axis

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from csanalysis.estimators.channel_use import ChannelUseResult
    from csanalysis.estimators.drivers import DriverResult
    from csanalysis.estimators.nonresponse import NonresponseResult
    from csanalysis.estimators.rankings import RankingResult

__all__ = ["plot_drivers", "plot_rankings", "plot_nonresponse", "plot_channel_mix"]

#: How a driver's name reads on an axis.
DRIVER_LABELS = {"first_reply_minutes": "first-reply time", "resolution_minutes": "resolution time",
                 "reopens": "reopens", "repeat_contact_7d": "repeat contact (7 days)",
                 "channel_switch_7d": "channel switch (7 days)",
                 "sla_breached": "SLA breached", "assignee_changes": "assignee changes",
                 "group_changes": "group changes"}
_VERSUS = {"worse": PALETTE["vermillion"], "better": PALETTE["green"], "indistinguishable": PALETTE["grey"],
           "not ranked": PALETTE["grey"]}


def _interval_bars(ax: Axes, y: np.ndarray, v: np.ndarray, lo: np.ndarray, hi: np.ndarray, colors) -> None:
    err = np.vstack([np.nan_to_num(v - lo), np.nan_to_num(hi - v)])
    ax.errorbar(np.nan_to_num(v), y, xerr=err, fmt="none", ecolor=PALETTE["black"], capsize=3, lw=1)
    ax.scatter(np.nan_to_num(v), y, c=colors, s=28, zorder=3)


def plot_drivers(result: DriverResult, ax: Axes | None = None, *, outcome: str | None = None) -> Axes:
    """Importance of each driver for one outcome, with its bootstrap interval, most important on top.

    Parameters
    ----------
    result : DriverResult
    ax : matplotlib Axes, optional
    outcome : str, optional
        The outcome to draw (default: the first in the result).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from csanalysis.estimators import key_drivers
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    >>> d["y"] = d["a"] + 0.5 * d["b"] + rng.normal(size=300)
    >>> ax = plot_drivers(key_drivers(d, "y", ["a", "b", "c"], customer=None, n_resamples=50))
    >>> [t.get_text() for t in ax.get_yticklabels()][-1]
    'a'
    >>> plt.close(ax.figure)
    """
    ax = new_axes(ax)
    s = result.summary()
    outcome = outcome if outcome is not None else str(s["outcome"].iloc[0])
    s = s[s["outcome"] == outcome].sort_values("importance")
    if s.empty:
        raise ValueError(f"no drivers for the outcome {outcome!r}; outcomes: {sorted(result.summary()['outcome'].unique())}")
    y = np.arange(len(s))
    v, lo, hi = (s[c].to_numpy(dtype=float, na_value=np.nan) for c in ("importance", "ci_low", "ci_high"))
    colors = [PALETTE["blue"] if str(x) == "above noise" else PALETTE["grey"] for x in s["versus_noise"]]
    _interval_bars(ax, y, v, lo, hi, colors)
    ax.set_yticks(y, labels=[DRIVER_LABELS.get(str(d), str(d)) for d in s["driver"]])
    percent_axis(ax, "x")
    ax.set_xlim(left=0)
    ax.set_xlabel("share of the outcome's variance (relative weight)")
    ax.set_title(f"What goes with {'a bad rating' if outcome == 'bad' else outcome.replace('_', ' ')}")
    return ax


def plot_rankings(result: RankingResult, ax: Axes | None = None, *, unit_type: str = "agent") -> Axes:
    """Shrunken bad-rating shares of one unit type with intervals, coloured by how they compare with the rest.

    Units not ranked (too few rated tickets) are left out; the dashed line is the
    overall prior mean.

    Parameters
    ----------
    result : RankingResult
    ax : matplotlib Axes, optional
    unit_type : str, default "agent"
        ``agent``, ``group``, ``channel`` or ``month`` (those the result has).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from csanalysis.estimators import rank_units
    >>> rng = np.random.default_rng(1)
    >>> t = pd.DataFrame({"agent": rng.choice(list("abcdef"), 1200), "customer": np.arange(1200)})
    >>> t["bad"] = rng.random(1200) < np.where(t["agent"] == "a", 0.4, 0.15)
    >>> r = rank_units(t, "agent", "bad", customer="customer")
    >>> ax = plot_rankings(r, unit_type="agent")
    >>> len(ax.get_yticklabels())
    6
    >>> plt.close(ax.figure)
    """
    ax = new_axes(ax)
    s = result.summary()
    s = s[(s["unit_type"] == unit_type) & s["estimate"].notna()].sort_values("estimate")
    if s.empty:
        raise ValueError(f"no ranked {unit_type} in the result")
    y = np.arange(len(s))
    v, lo, hi = (s[c].to_numpy(dtype=float, na_value=np.nan) for c in ("estimate", "ci_low", "ci_high"))
    _interval_bars(ax, y, v, lo, hi, [_VERSUS.get(str(x), PALETTE["grey"]) for x in s["versus_rest"]])
    if "prior_mean" in s.columns and s["prior_mean"].notna().any():
        ax.axvline(float(s["prior_mean"].dropna().iloc[0]), color=PALETTE["black"], ls="--", lw=0.8)
    ax.set_yticks(y, labels=[f"{u} (n={n})" for u, n in zip(s["unit_name"], s["n"])])
    percent_axis(ax, "x")
    ax.set_xlabel("bad-rating share (shrunken), 95% interval")
    ax.set_title(f"{unit_type.capitalize()}s: red worse, green better than the rest")
    return ax


def plot_nonresponse(result: NonresponseResult, ax: Axes | None = None) -> Axes:
    """Raw and response-weighted rating measures side by side, with their intervals.

    Parameters
    ----------
    result : NonresponseResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax)
    s = result.summary()
    names = {"csat": "rating score (mean)", "bad_share": "bad ratings", "good_share": "good ratings"}
    y = np.arange(len(s), dtype=float)
    for off, (col, label, color) in zip((0.15, -0.15), (("raw", "raw", PALETTE["grey"]),
                                                       ("weighted", "response-weighted", PALETTE["blue"]))):
        v, lo, hi = (s[c].to_numpy(dtype=float, na_value=np.nan) for c in (col, f"{col}_ci_low", f"{col}_ci_high"))
        ax.errorbar(np.nan_to_num(v), y + off, xerr=np.vstack([np.nan_to_num(v - lo), np.nan_to_num(hi - v)]),
                    fmt="o", color=color, ecolor=color, capsize=3, label=label)
    ax.set_yticks(y, labels=[names.get(str(m), str(m)) for m in s["measure"]])
    percent_axis(ax, "x")
    ax.set_xlabel("share of rated tickets (score: share of the scale), 95% interval")
    ax.legend(loc="best", frameon=False)
    ax.set_title("Ratings as given and weighted for who rates")
    return ax


def plot_channel_mix(result: ChannelUseResult, ax: Axes | None = None) -> Axes:
    """Share of customer-initiated tickets per channel, period by period, with 95% bands.

    Parameters
    ----------
    result : ChannelUseResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from csanalysis.estimators import channel_use
    >>> t = pd.DataFrame({"ticket_id": [str(i) for i in range(40)], "customer": [f"c{i % 9}" for i in range(40)],
    ...                   "created_at": pd.date_range("2024-01-01", periods=40, freq="9D", tz="UTC"),
    ...                   "channel": ["email", "chat", "phone", "email"] * 10})
    >>> ax = plot_channel_mix(channel_use(t, n_resamples=20))
    >>> sorted(t.get_text() for t in ax.get_legend().get_texts())
    ['chat', 'email', 'phone']
    >>> plt.close(ax.figure)
    """
    ax = new_axes(ax)
    m = result.mix
    m = m[m["tickets"].notna()]
    if m.empty:
        raise ValueError("no period has tickets with a known channel")
    periods = list(dict.fromkeys(m["period"].astype(str)))
    x = np.arange(len(periods))
    colors = [PALETTE[c] for c in ("blue", "orange", "green", "vermillion", "sky", "purple", "grey")]
    seen = [c for c in dict.fromkeys(m["channel"].astype(str)) if (m.loc[m["channel"].astype(str) == c, "tickets"] > 0).any()]
    for i, ch in enumerate(seen):
        part = m[m["channel"].astype(str) == ch].set_index(m.loc[m["channel"].astype(str) == ch, "period"].astype(str))
        part = part.reindex(periods)
        v, lo, hi = (part[c].to_numpy(dtype=float, na_value=np.nan) for c in ("share", "ci_low", "ci_high"))
        color = colors[i % len(colors)]
        ax.plot(x, v, color=color, label=ch, lw=1.4)
        ax.fill_between(x, lo, hi, color=color, alpha=0.15, lw=0)
    step = max(1, len(periods) // 10)
    ax.set_xticks(x[::step], labels=periods[::step], rotation=45, ha="right")
    percent_axis(ax, "y")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("share of the period's tickets")
    ax.legend(loc="best", frameon=False, ncols=2)
    ax.set_title("Channel mix over time (95% bands)")
    return ax
