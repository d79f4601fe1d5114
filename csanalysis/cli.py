"""The command line: ``csanalysis report [...]`` (also ``python -m csanalysis report``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import CsanalysisError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="csanalysis",
        description="Customer-service analytics from helpdesk, survey and shop exports.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "report",
        help="load exports, measure, compare with the cited figures and write a report",
        description="Write DIR/index.html, DIR/results.json and DIR/figures/*.png. "
        "With no input files, runs on the bundled sample.",
    )
    r.add_argument("--tickets", action="append", default=[], metavar="FILE", help="helpdesk ticket export (repeatable)")
    r.add_argument("--survey", action="append", default=[], metavar="FILE", help="survey export (repeatable)")
    r.add_argument("--activity", action="append", default=[], metavar="FILE", help="orders / charges export (repeatable)")
    r.add_argument("--customers", action="append", default=[], metavar="FILE", help="customer snapshot table (repeatable)")
    r.add_argument("--question", action="append", default=[], metavar="ROLE=COLUMN",
                   help="survey question role, e.g. csat=Q1, nps=Q2, ces=Q3, told_count=Q5, warned_others=Q6")
    r.add_argument("--key", choices=["customer_id", "email_key"], default=None, help="link tables on this key")
    r.add_argument("--timezone", default=None, metavar="TZ", help="zone of timestamps without an offset (e.g. Europe/Copenhagen)")
    order = r.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="dayfirst", action="store_const", const=True, default=None,
                       help="ambiguous dates are day/month/year")
    order.add_argument("--monthfirst", dest="dayfirst", action="store_const", const=False,
                       help="ambiguous dates are month/day/year")
    r.add_argument("--as-of", default=None, metavar="DATE", help="end of the data (default: last activity date)")
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``csanalysis`` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "report":
        from .report.run import run_report

        try:
            run_report(
                tickets=args.tickets, survey=args.survey, activity=args.activity, customers=args.customers,
                questions=_questions(args.question), link_key=args.key, timezone=args.timezone,
                dayfirst=args.dayfirst, as_of=args.as_of, out=Path(args.out), quiet=args.quiet,
            )
        except (CsanalysisError, FileNotFoundError) as exc:
            print(f"csanalysis: {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
