"""The command line: python -m fidelity score|import-reviews|import-outcomes|migrate|demo."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from fidelity import db, demo, repository, scoring
from fidelity.scales import Scale, ScaleFileError, load_scales
from fidelity.settings import Settings


class CliError(Exception):
    """One clear line for the user; the CLI exits non-zero."""


def read_score_csv(path: Path, scale: Scale) -> dict[int, int]:
    """Read `item,score` rows; every problem names its row (the header is row 1)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError as error:
        raise CliError(f"{path}: file not found") from error
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"{path}: cannot read the file ({error})") from error
    if not rows:
        raise CliError(f"{path}: the file is empty; expected a header row 'item,score'")
    header = [cell.strip().lower() for cell in rows[0]]
    if header[:2] != ["item", "score"] or any(header[2:]):
        raise CliError(f"{path}: row 1: header must be 'item,score', got {','.join(rows[0])!r}")
    scores: dict[int, int] = {}
    first_row: dict[int, int] = {}
    for row_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise CliError(f"{path}: row {row_number}: expected 2 values (item,score), got {len(row)}")
        item_text, score_text = (cell.strip() for cell in row)
        if not item_text.isdigit() or not 1 <= int(item_text) <= len(scale.items):
            raise CliError(
                f"{path}: row {row_number}: item {item_text!r} is not an item of {scale.id} (1-{len(scale.items)})"
            )
        item = int(item_text)
        if item in scores:
            raise CliError(f"{path}: row {row_number}: item {item} appears twice (first on row {first_row[item]})")
        if not score_text.isdigit() or int(score_text) not in scoring.SCORES:
            raise CliError(f"{path}: row {row_number}: score {score_text!r} for item {item} must be a whole number 1-5")
        scores[item] = int(score_text)
        first_row[item] = row_number
    missing = [item.number for item in scoring.unscored_items(scale, scores)]
    if missing:
        raise CliError(
            f"{path}: missing item(s) {', '.join(map(str, missing))}; all {len(scale.items)} items need a score"
        )
    return scores


def score_command(scales: dict[str, Scale], scale_id: str, path: Path) -> dict[str, object]:
    scale = scales.get(scale_id)
    if scale is None:
        raise CliError(f"unknown scale {scale_id!r}; known scales: {', '.join(sorted(scales))}")
    summary = scoring.summarise(scale, read_score_csv(path, scale))
    assert summary.band is not None  # read_score_csv insists on every item
    return {
        "scale": scale.id,
        "version": scale.version,
        "items_scored": summary.completeness.scored,
        "total": summary.total,
        "band": summary.band.label,
        "sections": summary.sections,
        "principles": summary.principles,
    }


def import_reviews_command(url: str, scales: dict[str, Scale], path: Path) -> str:
    content = _read(path)
    db.migrate(url)
    with db.session_scope(db.make_engine(url)) as session:
        result = repository.import_past_reviews(
            session, actor="cli", scales=scales, content=content, filename=path.name, today=date.today()
        )
    return f"imported {len(result.imported)} review(s)" + (
        f"; {len(result.already_present)} already present (rows {', '.join(map(str, result.already_present))})"
        if result.already_present
        else ""
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CliError(f"{path}: cannot read the file ({error.strerror})") from error


def import_outcomes_command(url: str, path: Path) -> str:
    content = _read(path)
    db.migrate(url)
    with db.session_scope(db.make_engine(url)) as session:
        rows = repository.import_outcomes(session, actor="cli", content=content, filename=path.name)
    return f"imported {len(rows)} quarter(s)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fidelity", description="IPS Fidelity command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser("score", help="score a CSV of item,score rows and print JSON")
    score.add_argument("--scale", required=True, help="scale id, e.g. ips-25 or ipspc")
    score.add_argument("file", type=Path, help="CSV with columns item,score (item = 1-25)")
    past = commands.add_parser("import-reviews", help="import final past reviews from CSV or XLSX (all rows or none)")
    past.add_argument("file", type=Path, help="columns: service, review_date, scale, kind, item_1 ... item_25")
    quarters = commands.add_parser(
        "import-outcomes", help="import quarterly outcomes from CSV or XLSX (all rows or none)"
    )
    quarters.add_argument("file", type=Path, help="columns: service, quarter, and the figures of the template")
    commands.add_parser("migrate", help="create or upgrade the database schema")
    commands.add_parser("demo", help="load clearly labelled synthetic demo data")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        scales = load_scales(settings.scales_dir)
        if args.command == "score":
            print(json.dumps(score_command(scales, args.scale, args.file)))
        elif args.command == "migrate":
            db.migrate(settings.database_url)
            print(f"database is up to date ({_safe_url(settings.database_url)})")
        elif args.command == "demo":
            db.migrate(settings.database_url)
            with db.session_scope(db.make_engine(settings.database_url)) as session:
                summary = demo.load_demo(
                    session,
                    scales=scales,
                    actor="cli",
                    progress=lambda _fraction, message: print(message, file=sys.stderr),
                )
            print(
                f"loaded demo data: {summary.services} services, {summary.reviews} reviews, {summary.ratings} item ratings, "
                f"{summary.quarters} quarters of outcomes"
            )
        elif args.command == "import-reviews":
            print(import_reviews_command(settings.database_url, scales, args.file))
        elif args.command == "import-outcomes":
            print(import_outcomes_command(settings.database_url, args.file))
    except repository.ImportRefused as error:
        print(f"error: {args.file}: nothing imported; {len(error.problems)} problem(s):", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except (CliError, ScaleFileError, demo.DemoAlreadyLoaded, repository.InputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _safe_url(url: str) -> str:
    """The URL without any password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
