"""The command line: ``csanalysis report [...]`` (also ``python -m csanalysis report``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import CsanalysisError
from .privacy import mask_text

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    from ._version import __version__

    p = argparse.ArgumentParser(
        prog="csanalysis",
        description="Customer-service analytics from helpdesk, survey and shop exports.",
    )
    p.add_argument("--version", action="version", version=f"csanalysis {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "report",
        help="load exports, measure, compare with the cited figures and write a report",
        description="Write DIR/index.html, DIR/results.json and DIR/figures/*.png from your exports "
        "(or from the bundled sample with --sample).",
    )
    r.add_argument("--sample", action="store_true", help="run on the bundled sample (invented customers)")
    r.add_argument("--tickets", action="append", default=[], metavar="FILE", help="helpdesk ticket export (repeatable)")
    r.add_argument("--survey", action="append", default=[], metavar="FILE", help="survey export (repeatable)")
    r.add_argument("--activity", action="append", default=[], metavar="FILE", help="orders / charges export (repeatable)")
    r.add_argument("--customers", action="append", default=[], metavar="FILE", help="customer snapshot table (repeatable)")
    r.add_argument("--question", action="append", default=[], metavar="ROLE=COLUMN",
                   help="survey question role, e.g. csat=Q1, nps=Q2, ces=Q3, told_count=Q5, warned_others=Q6")
    r.add_argument("--link-on", "--key", dest="link_on", choices=["auto", "customer_id", "email_key"], default="auto",
                   help="identifier the tables are linked on (default: auto)")
    r.add_argument("--sheet", action="append", default=[], metavar="[ROLE=]SHEET",
                   help="worksheet of workbook exports: a name or 0-based position, for all workbooks or per role "
                        "(survey=Responses); repeatable (default: the sheet that fits)")
    r.add_argument("--tz-abbreviation", action="append", default=[], metavar="ABBR=ZONE",
                   help="zone of a time-zone abbreviation in timestamps, e.g. IST=Asia/Kolkata (repeatable)")
    r.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")
    r.add_argument("--timezone", default=None, metavar="TZ", help="zone of timestamps without an offset (e.g. Europe/Copenhagen)")
    order = r.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="dayfirst", action="store_const", const=True, default=None,
                       help="ambiguous dates are day/month/year")
    order.add_argument("--monthfirst", dest="dayfirst", action="store_const", const=False,
                       help="ambiguous dates are month/day/year")
    r.add_argument("--as-of", default=None, metavar="DATE", help="end of the data (default: last activity date)")
    r.add_argument("--window", type=float, default=730, metavar="DAYS", help="days of avoidance (default: 730)")
    r.add_argument("--resamples", type=int, default=None, metavar="N",
                   help="bootstrap resamples (default: 1000, as in the library and the notebooks)")
    r.add_argument("--seed", type=int, default=0, help="seed of the bootstraps (default: 0)")
    r.add_argument("--confidence", type=float, default=0.95, help="interval level (default: 0.95)")
    r.add_argument("--currency", default=None, help="currency of monetary segments (default: the most common)")
    r.add_argument("--scorecard-freq", choices=["M", "Q"], default="Q", help="scorecard period (default: Q)")
    r.add_argument("--out", default="report", metavar="DIR", help="output folder (default: report/)")
    r.add_argument("--quiet", action="store_true", help="no progress messages")
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``csanalysis`` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "report":
        from .analysis import DEFAULT_RESAMPLES
        from .report.run import run_report

        if not (args.sample or args.tickets or args.survey or args.activity or args.customers):
            print("csanalysis: no input files: give --tickets, --survey, --activity or --customers, "
                  "or try the bundled sample with --sample", file=sys.stderr)
            return 2
        try:
            files = {"sheet": _sheet(args.sheet), "tz_abbreviations": _pairs(
                args.tz_abbreviation, "--tz-abbreviation", "IST=Asia/Kolkata") or None}
            run_report(
                tickets=args.tickets, survey=args.survey, activity=args.activity, customers=args.customers,
                sample=args.sample, questions=_questions(args.question), link_on=args.link_on,
                timezone=args.timezone, dayfirst=args.dayfirst, as_of=args.as_of, out=Path(args.out),
                quiet=args.quiet, n_resamples=args.resamples or DEFAULT_RESAMPLES, seed=args.seed,
                window=args.window, confidence=args.confidence, currency=args.currency,
                scorecard_freq=args.scorecard_freq, **({} if args.sample else files),
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
