"""The command line: ``csanalysis report [...]`` (also ``python -m csanalysis report``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import CsanalysisError
from .privacy import mask_text

__all__ = ["main", "build_parser"]


#: Parameters of :func:`csanalysis.analyse` and the ``csanalysis report`` option that sets each
#: (``rule`` is set by the options of :data:`RULE_OPTIONS`).
ANALYSE_OPTIONS: dict[str, str] = {
    "tickets": "--tickets", "survey": "--survey", "activity": "--activity", "customers": "--customers",
    "as_of": "--as-of", "window": "--window", "link_on": "--link-on", "confidence": "--confidence",
    "n_resamples": "--resamples", "seed": "--seed", "timezone": "--timezone", "questions": "--question",
    "dayfirst": "--dayfirst", "sheet": "--sheet", "tz_abbreviations": "--tz-abbreviation", "mapping": "--map",
    "currency": "--currency", "scorecard_freq": "--scorecard-freq", "cluster": "--cluster",
    "override": "--override", "rule": "--bad-rating", "engine": "--engine", "scheduler": "--scheduler",
    "partitions": "--partitions",
}
#: Parameters of :func:`csanalysis.analyse` without an option, and why.
NOT_ON_THE_COMMAND_LINE: dict[str, str] = {
    "secret": "a secret does not belong on a command line (shell history, process list): set the environment "
              "variable CSANALYSIS_KEY instead",
    "progress": "the command prints progress on standard error itself (--quiet turns it off)",
    "keep_tables": "the report shows no table row by row (only the linking's summary), so it runs without "
                   "keeping them (with --engine dask they then stay on the cluster)",
    "keep_rows": "the report shows the results' summaries and plots, not their rows per customer, so it runs "
                 "without keeping them (with --engine dask the largest never come from the cluster)",
}
#: Fields of :class:`csanalysis.experiences.BadExperienceRule` and the option that sets each.
RULE_OPTIONS: dict[str, str] = {
    "use_ticket_rating": "--bad-rating", "csat_at_most": "--bad-csat-max", "csat_good_at_least": "--good-csat-min",
    "ces_at_least": "--bad-ces-min", "nps_at_most": "--bad-nps-max", "reopens_at_least": "--bad-reopens-min",
    "first_reply_sla_minutes": "--bad-first-reply-minutes", "include_agent_initiated": "--include-agent-initiated",
}
ROLES = ("tickets", "survey", "activity", "customers")

_EPILOG = """examples:
  csanalysis report --sample --out sample-report
  csanalysis report --tickets zendesk.csv --survey qualtrics.csv --activity shopify_orders.csv \\
      --timezone Europe/Copenhagen --format html,json,xlsx --out report
  csanalysis report --tickets tickets.xlsx --sheet tickets=Export --activity orders.csv \\
      --map "activity:customer_id=Buyer Ref" --bad-ces-min 6 --resamples 2000 --seed 7
  csanalysis report --tickets /shared/tickets.csv --activity /shared/orders.csv \
      --engine dask --scheduler tcp://10.0.0.5:8786

Every option of cs.analyse(...) has an option here; the pseudonymisation secret comes from the
environment variable CSANALYSIS_KEY (never from the command line)."""


def _number_or_none(text: str) -> float | None:
    """A threshold, or ``none`` to switch the criterion off."""
    if text.strip().lower() in ("none", "off", "no"):
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'none', got {text!r}") from None


def _int_or_none(text: str) -> int | None:
    v = _number_or_none(text)
    if v is not None and v != int(v):
        raise argparse.ArgumentTypeError(f"expected a whole number or 'none', got {text!r}")
    return None if v is None else int(v)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from ._version import __version__
    from .analysis import DEFAULT_RESAMPLES

    p = _Parser(
        prog="csanalysis",
        description="Customer-service analytics from helpdesk, survey and shop exports.",
        epilog="example: csanalysis report --sample --out sample-report (see csanalysis report --help)",
    )
    p.add_argument("--version", action="version", version=f"csanalysis {__version__}",
                   help="show the version and exit, e.g. csanalysis --version")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "report",
        help="load exports, measure, compare with the cited figures and write a report",
        description="Write DIR/index.html, DIR/results.json and DIR/figures/*.png from your exports\n"
        "(or from the bundled sample with --sample); with --format also DIR/report.xlsx and DIR/figures/*.svg.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    g = r.add_argument_group("inputs")
    g.add_argument("--sample", action="store_true",
                   help="run on the bundled sample (invented customers), e.g. --sample")
    g.add_argument("--tickets", action="append", default=[], metavar="FILE",
                   help="helpdesk ticket export (repeatable), e.g. --tickets zendesk.csv")
    g.add_argument("--survey", action="append", default=[], metavar="FILE",
                   help="survey export (repeatable), e.g. --survey qualtrics.csv")
    g.add_argument("--activity", action="append", default=[], metavar="FILE",
                   help="orders / charges export (repeatable), e.g. --activity shopify_orders.csv")
    g.add_argument("--customers", action="append", default=[], metavar="FILE",
                   help="customer snapshot table (repeatable), e.g. --customers crm.csv")
    g = r.add_argument_group("reading the files")
    g.add_argument("--question", action="append", default=[], metavar="ROLE=COLUMN",
                   help="survey question role (repeatable; roles csat, nps, ces, told_count, warned_others ...), "
                        "e.g. --question csat=Q1")
    g.add_argument("--map", action="append", default=[], metavar="ROLE:COLUMN=FILE_COLUMN",
                   help="column of a file the reader does not recognise: its canonical name and the file's header "
                        "(repeatable; roles tickets, survey, activity, customers), "
                        "e.g. --map \"activity:customer_id=Buyer Ref\"")
    g.add_argument("--sheet", action="append", default=[], metavar="[ROLE=]SHEET",
                   help="worksheet of workbook exports: a name or 0-based position, for all workbooks or per role; "
                        "repeatable (default: the sheet that fits), e.g. --sheet survey=Responses")
    g.add_argument("--timezone", default=None, metavar="TZ",
                   help="zone of timestamps without an offset, and of the time stamps in report.xlsx "
                        "(default: UTC), e.g. --timezone Europe/Copenhagen")
    g.add_argument("--tz-abbreviation", action="append", default=[], metavar="ABBR=ZONE",
                   help="zone of a time-zone abbreviation in timestamps (repeatable), e.g. "
                        "--tz-abbreviation IST=Asia/Kolkata")
    order = g.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="dayfirst", action="store_const", const=True, default=None,
                       help="ambiguous dates are day/month/year, e.g. --dayfirst when 03/04/2024 is 3 April")
    order.add_argument("--monthfirst", dest="dayfirst", action="store_const", const=False,
                       help="ambiguous dates are month/day/year, e.g. --monthfirst when 03/04/2024 is 4 March")
    g = r.add_argument_group("analysis")
    g.add_argument("--link-on", "--key", dest="link_on", choices=["auto", "customer_id", "email_key"],
                   default="auto", help="identifier the tables are linked on (default: auto), "
                                        "e.g. --link-on customer_id")
    g.add_argument("--as-of", default=None, metavar="DATE",
                   help="end of the data (default: last activity date), e.g. --as-of 2024-12-31")
    g.add_argument("--window", type=float, default=730, metavar="DAYS",
                   help="days of avoidance after an experience (default: 730), e.g. --window 365")
    g.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES, metavar="N",
                   help=f"bootstrap resamples (default: {DEFAULT_RESAMPLES}, as in the library and the "
                        "notebooks), e.g. --resamples 2000")
    g.add_argument("--seed", type=int, default=0, help="seed of the bootstraps (default: 0), e.g. --seed 7")
    g.add_argument("--confidence", type=float, default=0.95, metavar="LEVEL",
                   help="interval level (default: 0.95), e.g. --confidence 0.9")
    g.add_argument("--currency", default=None,
                   help="currency of monetary segments (default: the most common), e.g. --currency EUR")
    g.add_argument("--scorecard-freq", choices=["M", "Q"], default="Q",
                   help="scorecard period, month or quarter (default: Q), e.g. --scorecard-freq M")
    g.add_argument("--cluster", default="auto", metavar="UNIT",
                   help="sampling unit of ticket- and answer-level intervals: auto (the account when tickets carry "
                        "one, else the customer), customer, account_id, another ticket column, or none (default: "
                        "auto), e.g. --cluster customer")
    g.add_argument("--override", action="append", nargs="?", const="all", default=None, metavar="ID",
                   help="compare cited figures even where the definitions cannot meet: all of them, or the ids "
                        "given (repeatable), e.g. --override avoid_2y_after_bad")
    g = r.add_argument_group("where it runs")
    g.add_argument("--engine", choices=["pandas", "dask"], default="pandas",
                   help="pandas (this process, the default) or dask (a Dask cluster: pip install "
                        "'csanalysis[dask]'; same figures), e.g. --engine dask")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --engine dask: address of a running Dask scheduler (default: start a local cluster "
                        "for this run), e.g. --scheduler tcp://10.0.0.5:8786")
    g.add_argument("--partitions", type=int, default=None, metavar="N",
                   help="with --engine dask: partitions of customers (default: two per worker, or one per 2M input "
                        "rows when that is more; the figures do not depend on it), e.g. --partitions 64")
    g = r.add_argument_group("bad-experience rule",
                             "What counts as a bad (and a good) service experience; the criteria are combined\n"
                             "with OR. Default: the ticket's rating is bad, or CSAT 2 or lower; good: rating good\n"
                             "or CSAT 4 or higher. A threshold of 'none' switches its criterion off.")
    rating = g.add_mutually_exclusive_group()
    rating.add_argument("--bad-rating", dest="use_ticket_rating", action="store_const", const=True, default=None,
                        help="use the helpdesk satisfaction rating for bad and good (the default), e.g. --bad-rating")
    rating.add_argument("--no-bad-rating", dest="use_ticket_rating", action="store_const", const=False,
                        help="ignore the helpdesk rating, e.g. --no-bad-rating --bad-csat-max 2")
    g.add_argument("--bad-csat-max", dest="csat_at_most", type=_number_or_none, default=argparse.SUPPRESS,
                   metavar="SCORE", help="CSAT (1-5) at or below this is bad (default: 2), e.g. --bad-csat-max 3")
    g.add_argument("--good-csat-min", dest="csat_good_at_least", type=_number_or_none, default=argparse.SUPPRESS,
                   metavar="SCORE", help="CSAT (1-5) at or above this is good (default: 4), e.g. --good-csat-min 5")
    g.add_argument("--bad-ces-min", dest="ces_at_least", type=_number_or_none, default=argparse.SUPPRESS,
                   metavar="SCORE", help="customer effort (1-7, 7 = very difficult) at or above this is bad "
                                         "(default: not used), e.g. --bad-ces-min 6")
    g.add_argument("--bad-nps-max", dest="nps_at_most", type=_number_or_none, default=argparse.SUPPRESS,
                   metavar="SCORE", help="likelihood to recommend (0-10) at or below this is bad (default: not used), "
                                         "e.g. --bad-nps-max 6 (every detractor)")
    g.add_argument("--bad-reopens-min", dest="reopens_at_least", type=_int_or_none, default=argparse.SUPPRESS,
                   metavar="N", help="a ticket reopened at least N times is bad (default: not used), "
                                     "e.g. --bad-reopens-min 2")
    g.add_argument("--bad-first-reply-minutes", dest="first_reply_sla_minutes", type=_number_or_none,
                   default=argparse.SUPPRESS, metavar="MINUTES",
                   help="a ticket first answered later than this is bad (default: not used), "
                        "e.g. --bad-first-reply-minutes 1440")
    g.add_argument("--include-agent-initiated", dest="include_agent_initiated", action="store_true",
                   default=argparse.SUPPRESS,
                   help="count agent-initiated (outbound) tickets as experiences, e.g. --include-agent-initiated")
    g = r.add_argument_group("output")
    g.add_argument("--out", default="report", metavar="DIR", help="output folder (default: report/), e.g. --out q4")
    g.add_argument("--format", default="html,json", metavar="FORMATS",
                   help="what to write, comma-separated: html (index.html and the PNGs it shows), json "
                        "(results.json), xlsx (report.xlsx), svg (figures/*.svg), png (figures/*.png) "
                        "(default: html,json), e.g. --format html,json,xlsx,svg")
    g.add_argument("--quiet", action="store_true", help="no progress messages, e.g. --quiet")
    g.add_argument("--debug", action="store_true",
                   help="show the traceback of an unexpected error, e.g. --debug")
    return p


def _questions(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        role, sep, col = item.partition("=")
        if not sep or not role.strip() or not col.strip():
            raise CsanalysisError(f"--question {item!r}: expected ROLE=COLUMN, e.g. csat=Q1")
        out[role.strip()] = col.strip()
    return out


def _pairs(items: list[str], flag: str, example: str) -> dict[str, str]:
    out = {}
    for item in items:
        k, sep, v = item.partition("=")
        if not sep or not k.strip() or not v.strip():
            raise CsanalysisError(f"{flag} {item!r}: expected {example.split('=')[0].upper()}=..., e.g. {example}")
        out[k.strip()] = v.strip()
    return out


def _sheet(items: list[str]) -> str | int | dict[str, str | int] | None:
    """``--sheet`` values: one sheet for every workbook, or ``ROLE=SHEET`` pairs; digits are positions."""
    roles = ("tickets", "survey", "activity", "customers")

    def value(v: str) -> str | int:
        return int(v) if v.strip().isdigit() else v.strip()

    if not items:
        return None
    per_role = [i for i in items if i.partition("=")[0].strip() in roles and "=" in i]
    if not per_role:
        if len(items) > 1:
            raise CsanalysisError(f"--sheet given {len(items)} times without a role: use ROLE=SHEET "
                                  f"(roles: {', '.join(roles)}) to name a sheet per role")
        return value(items[0])
    if len(per_role) != len(items):
        raise CsanalysisError("--sheet: give either one SHEET for every workbook or ROLE=SHEET pairs "
                              f"(roles: {', '.join(roles)}), not both")
    return {k: value(v) for k, v in _pairs(items, "--sheet", "survey=Responses").items()}


def _mapping(items: list[str]) -> dict[str, dict[str, str]] | None:
    """``--map ROLE:COLUMN=FILE_COLUMN`` values as ``{role: {canonical column: file column}}``.

    Examples
    --------
    >>> _mapping(["activity:customer_id=Buyer Ref", "activity:at=Paid at"])
    {'activity': {'customer_id': 'Buyer Ref', 'at': 'Paid at'}}
    """
    out: dict[str, dict[str, str]] = {}
    for item in items:
        role, sep, rest = item.partition(":")
        canon, eq, col = rest.partition("=")
        if not sep or not eq or role.strip() not in ROLES or not canon.strip() or not col.strip():
            raise CsanalysisError(f"--map {item!r}: expected ROLE:COLUMN=FILE_COLUMN with ROLE one of "
                                  f"{', '.join(ROLES)}, e.g. --map \"activity:customer_id=Buyer Ref\"")
        out.setdefault(role.strip(), {})[canon.strip()] = col.strip()
    return out or None


def _rule(args: argparse.Namespace):
    """The bad-experience rule of the rule options (``None``, the default rule, when none is given)."""
    from .experiences import BadExperienceRule

    given = {f: v for f, v in vars(args).items()  # thresholds are in args only when given ('none' is None)
             if f in RULE_OPTIONS and not (f == "use_ticket_rating" and v is None)}
    if not given:
        return None
    try:
        return BadExperienceRule(**given)
    except ValueError as exc:
        text = str(exc)
        for f, flag in RULE_OPTIONS.items():
            text = text.replace(f"`{f}`", flag)
        raise CsanalysisError(text.replace("BadExperienceRule: ", "bad-experience rule: ")
                              .replace("keep use_ticket_rating=True", "keep --bad-rating")) from None


def _override(items: list[str] | None) -> bool | set[str]:
    """``--override`` alone: every cited figure; with ids: those."""
    if not items:
        return False
    return True if "all" in items else {i.strip() for it in items for i in it.split(",") if i.strip()}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``csanalysis`` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "report":
        from .report.run import run_report

        if not (args.sample or args.tickets or args.survey or args.activity or args.customers):
            print("csanalysis: no input files: give --tickets, --survey, --activity or --customers, "
                  "or try the bundled sample with --sample", file=sys.stderr)
            return 2
        try:
            files = {"sheet": _sheet(args.sheet), "tz_abbreviations": _pairs(
                args.tz_abbreviation, "--tz-abbreviation", "IST=Asia/Kolkata") or None,
                "mapping": _mapping(args.map)}
            cluster = None if args.cluster.strip().lower() == "none" else args.cluster.strip()
            run_report(
                tickets=args.tickets, survey=args.survey, activity=args.activity, customers=args.customers,
                sample=args.sample, questions=_questions(args.question), link_on=args.link_on,
                timezone=args.timezone, dayfirst=args.dayfirst, as_of=args.as_of, out=Path(args.out),
                quiet=args.quiet, n_resamples=args.resamples, seed=args.seed, formats=args.format,
                window=args.window, confidence=args.confidence, currency=args.currency,
                scorecard_freq=args.scorecard_freq, cluster=cluster, rule=_rule(args),
                override=_override(args.override), engine=args.engine, scheduler=args.scheduler,
                partitions=args.partitions, **({} if args.sample else files),
            )
        except (CsanalysisError, FileNotFoundError) as exc:
            print(f"csanalysis: {mask_text(str(exc))}", file=sys.stderr)
            return 2
        except Exception as exc:  # noqa: BLE001 - a manager gets one line, not a traceback
            if args.debug:
                raise
            print(f"csanalysis: unexpected error ({type(exc).__name__}: {mask_text(str(exc))[:300]}); this is a "
                  "bug in csanalysis: please report it with the output of --debug", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
