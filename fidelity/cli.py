"""The command line: python -m fidelity score|import-reviews|import-outcomes|migrate|demo|create-user|export|restore.

Whoever runs it on the server already holds the database, so it acts as an admin (`access.operator`)
and its changes are in the audit log as "command line".
"""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from fidelity import cli_csv, db, demo, errors, national_demo, scale_files, scale_workbook, scoring, sealed
from fidelity.scale_files import load_scale, load_scales
from fidelity.scales import Scale, ScaleFileError, describe
from fidelity.settings import Settings
from fidelity.store import (
    access,
    accounts,
    backup,
    outcomes,
    packs,
    past_reviews,
    published_scales,
)
from fidelity.visit_pack import PackError


class CliError(Exception):
    """One clear line for the user; the CLI exits non-zero."""


def read_score_csv(path: Path, scale: Scale) -> dict[int, int]:
    """Read `item,score` rows; every problem names its row (the header is row 1)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError as error:
        raise CliError(f"{path}: file not found") from error
    except (OSError, UnicodeDecodeError, csv.Error) as error:
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


def published(url: str, shipped: dict[str, Scale]) -> dict[str, Scale]:
    """The database's current scales, as the app uses them (the shipped files publish first, as on the app's start)."""
    db.migrate(url)
    with db.session_scope(db.make_engine(url)) as session:
        published_scales.seed_from_files(session, shipped)
        return published_scales.current_scales(session)


def import_reviews_command(url: str, scales: dict[str, Scale], path: Path) -> str:
    content = _read(path)
    scales = published(url, scales)
    with db.session_scope(db.make_engine(url)) as session:
        result = past_reviews.import_past_reviews(
            session, actor=access.operator(), scales=scales, content=content, filename=path.name, today=date.today()
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
        rows = outcomes.import_outcomes(session, actor=access.operator(), content=content, filename=path.name)
    return f"imported {len(rows)} quarter(s)"


def _read_password(prompt_twice: bool, what: str = "Password") -> str:
    """From the terminal (asked twice, not echoed), or one line from standard input when piped."""
    try:
        interactive = sys.stdin.isatty()
        if not interactive:
            return sys.stdin.readline().rstrip("\n")
    except (OSError, ValueError) as error:  # no standard input at all (closed, or a test harness's)
        raise CliError(f"{what.lower()}: none given; type it when asked, or pipe it on standard input") from error
    password = getpass.getpass(f"{what}: ")
    if prompt_twice and getpass.getpass(f"{what} again: ") != password:
        raise CliError(f"the two {what.lower()}s differ; nothing was saved")
    return password


def create_user_command(url: str, args: argparse.Namespace) -> str:
    db.migrate(url)
    data = {"username": args.username, "display_name": args.name or args.username, "role": args.role}
    data |= {"email": args.email, "password": _read_password(prompt_twice=True)}
    with db.session_scope(db.make_engine(url)) as session:
        if not accounts.has_users(session):
            if args.role != access.Role.ADMIN:
                raise CliError("the first account must be an admin (--role admin)")
            user = accounts.create_first_admin(session, data)
        else:
            user = accounts.create_user(session, actor=access.operator(), data=data)
    return f"created {user.role} account {user.username!r}"


def export_command(url: str, path: Path) -> str:
    engine = db.make_engine(url)
    if path.suffix.lower() == ".xlsx":
        content = backup.export_xlsx(engine, actor=access.operator())
    elif path.suffix.lower() == ".zip":
        content = backup.export_csv_zip(engine, actor=access.operator())
    else:
        raise CliError(f"{path}: name the file .xlsx (one workbook) or .zip (CSV files)")
    path.write_bytes(content)
    return f"exported the database for analysis to {path} ({len(content):,} bytes; no passwords, not restorable)"


def backup_command(url: str, path: Path) -> str:
    if path.suffix.lower() != backup.BACKUP_SUFFIX:
        raise CliError(f"{path}: name the backup {backup.BACKUP_SUFFIX}")
    passphrase = _read_password(prompt_twice=True, what="Passphrase")
    content = backup.export_backup(db.make_engine(url), actor=access.operator(), passphrase=passphrase)
    path.write_bytes(content)
    return f"backed up the database to {path} ({len(content):,} bytes, encrypted; keep the passphrase apart from it)"


def restore_command(url: str, path: Path) -> str:
    content = _read(path)
    passphrase = _read_password(prompt_twice=False, what="Passphrase") if sealed.is_sealed(content) else ""
    db.migrate(url)
    counts = backup.restore(db.make_engine(url), content, path.name, passphrase=passphrase)
    return f"restored {sum(counts.values()):,} rows into {len(counts)} tables from {path}"


def scale_check_command(path: Path, published: Path) -> str:
    """A scale file checked as the app would load it: its summary, or every problem (ScaleFileError)."""
    return f"{path}: ok: {describe(load_scale(path, published=published))}"


def scale_convert_command(source: Path, target: Path, published: Path) -> str:
    """A valid scale file written in the other format (YAML <-> XLSX); the scale itself unchanged."""
    if target.suffix.lower() not in (*scale_files.YAML_SUFFIXES, ".xlsx"):
        raise CliError(f"{target}: name the new file .yaml, .yml or .xlsx")
    scale = load_scale(source, published=published)  # refuses an invalid scale, naming every problem
    raw = scale_files.read_source(str(source), source.read_bytes()).raw
    content = scale_workbook.write_workbook(raw) if target.suffix.lower() == ".xlsx" else scale_files.yaml_text(raw)
    target.write_bytes(content)
    return f"wrote {scale.id} version {scale.version} ({len(scale.items)} items) to {target}"


def live_bench_command(url: str, args: argparse.Namespace) -> str:
    """Many people at once over the app's WebSocket (--users), or each page timed in headless Chromium beside a
    bare Streamlit app (--browser: needs the test dependencies and Chromium)."""
    import shutil

    from fidelity.ui import app_server, browser_bench, load_bench

    def progress(message: str) -> None:
        print(message, file=sys.stderr)

    if args.users is not None:
        if args.users < 1 or args.processes < 1:
            raise CliError("--users and --processes: give at least 1")
        result: browser_bench.BrowserBench | load_bench.LoadBench = load_bench.run(
            url, users=args.users, processes=args.processes, minutes=args.minutes, progress=progress
        )
    else:
        if args.clicks < 1:
            raise CliError("--clicks: give at least 1")
        try:
            import playwright  # noqa: F401 - a test dependency
        except ImportError as error:
            raise CliError("bench --browser needs Playwright: pip install -e '.[test]'") from error
        if not shutil.which(app_server.CHROMIUM):
            raise CliError(f"bench --browser needs Chromium at {app_server.CHROMIUM}: apt-get install -y chromium")
        result = browser_bench.run(url, clicks=args.clicks, pages=args.page, progress=progress)
    misses = result.misses()
    return result.table() + "\n\nTargets: " + ("all met." if not misses else "not met:\n- " + "\n- ".join(misses))


def visit_pack_command(url: str, args: argparse.Namespace) -> str:
    """Export a reviewer's pack for a review, or import one as a user (conflicts need --keep)."""
    engine = db.make_engine(url)
    if args.action == "export":
        if args.file.suffix.lower() != ".xlsx":
            raise CliError(f"{args.file}: name the pack .xlsx")
        with db.session_scope(engine) as session:
            content = packs.export_pack(session, actor=access.operator(), review_id=args.review_id, rater=args.rater)
        args.file.write_bytes(content)
        return f"wrote the {args.rater} reviewer's pack for review {args.review_id} to {args.file} ({len(content):,} bytes)"
    content = _read(args.file)
    with db.session_scope(engine) as session:
        actor = accounts.actor_named(session, args.user)
        checked = packs.check_pack(session, actor=actor, file_name=args.file.name, content=content)
        keep = dict.fromkeys(checked.conflicts, args.keep) if args.keep else {}
        if checked.conflicts and not args.keep:
            raise CliError(
                f"{args.file}: nothing saved; changed both in the pack and in the app since it was made: "
                f"{', '.join(checked.conflicts)}. Run again with --keep pack or --keep app"
            )
        packs.apply_pack(session, actor=actor, file_name=args.file.name, content=content, keep=keep)
    taken = [
        r.item_number for r in checked.rows if r.outcome == packs.PACK or keep.get(f"item {r.item_number}") == "pack"
    ]
    return (
        f"saved from the pack into review {checked.review.id}: items {', '.join(map(str, taken)) or 'none'}; "
        f"{len(checked.pack.new_notes)} note(s) added"
    )


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
    demo_command = commands.add_parser("demo", help="load clearly labelled synthetic demo data")
    demo_command.add_argument(
        "--scale",
        choices=["small", "national"],
        default="small",
        help="small: the twelve IPSPC areas (about 30 services); national: hundreds of services over ten years",
    )
    demo_command.add_argument("--services", type=int, default=600, help="national only: how many services")
    demo_command.add_argument("--quarters", type=int, default=40, help="national only: how many quarters")
    user = commands.add_parser("create-user", help="add an account (the first one must be an admin)")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=[str(r) for r in access.Role])
    user.add_argument("--name", help="display name (defaults to the username)")
    user.add_argument("--email", help="for single sign-on: the email the identity provider gives")
    timing = commands.add_parser("bench", help="time every page on the database at DATABASE_URL (see README)")
    timing.add_argument("--repeats", type=int, default=5, help="warm runs per page (the median is shown)")
    timing.add_argument("--page", action="append", help="only this page (repeatable), e.g. 'Compare sites'")
    timing.add_argument(
        "--browser", action="store_true", help="time clicks in headless Chromium against `streamlit run` (see README)"
    )
    timing.add_argument("--clicks", type=int, default=5, help="--browser: timed clicks per page after the first visit")
    timing.add_argument("--users", type=int, help="this many people at once, each a WebSocket session (see README)")
    timing.add_argument("--processes", type=int, default=1, help="--users: app processes on the one database")
    timing.add_argument("--minutes", type=float, default=2, help="--users: how long everyone clicks")
    timing.add_argument(
        "--uploads",
        action="store_true",
        help="time and weigh a workbook bomb, an oversized file and the largest uploads allowed (own database)",
    )
    export = commands.add_parser(
        "export", help="export the database for analysis to .xlsx or .zip (CSV files): no passwords, not restorable"
    )
    export.add_argument("file", type=Path)
    saved = commands.add_parser(
        "backup", help="back up everything to an encrypted .ipsbackup file (asks for a passphrase, or reads one line)"
    )
    saved.add_argument("file", type=Path)
    restore = commands.add_parser(
        "restore", help="restore a backup into an empty database (asks for its passphrase, or reads one line)"
    )
    restore.add_argument("file", type=Path)
    check = commands.add_parser(
        "scale-check",
        help="check a scale file (YAML or XLSX): a summary, or every problem by item, field and line or row",
    )
    check.add_argument("file", type=Path, help="a scale file; one that extends another finds it beside or in scales/")
    pack = commands.add_parser("visit-pack", help="a reviewer's offline pack (XLSX) for one review: export or import")
    pack_actions = pack.add_subparsers(dest="action", required=True)
    pack_out = pack_actions.add_parser("export", help="write a reviewer's pack for a review")
    pack_out.add_argument("review_id", type=int)
    pack_out.add_argument("--rater", required=True, choices=["lead", "second"])
    pack_out.add_argument("file", type=Path, help="the pack to write (.xlsx)")
    pack_in = pack_actions.add_parser("import", help="save an edited pack back, as the reviewer (all or nothing)")
    pack_in.add_argument("file", type=Path)
    pack_in.add_argument("--user", required=True, help="the reviewer's username")
    pack_in.add_argument("--keep", choices=["pack", "app"], help="for items changed in both since the pack was made")
    insight = commands.add_parser(
        "insight", help="what the programme views show, as CSV on standard output, for analysts (see README)"
    )
    insight.add_argument(
        "view",
        choices=["calibration", "items", "programme"],
        help="calibration: each reviewer's agreement and drift; items: each item's and principle's association "
        "with outcomes; programme: each programme quarter by quarter",
    )
    insight.add_argument("--outcome", choices=["employment", "job-starts"], default="employment", help="for items")
    insight.add_argument("--after", type=int, choices=[1, 2, 3, 4], default=2, help="quarters after each review")
    due = commands.add_parser(
        "due", help="the review steps due and overdue, nearest first, as CSV on standard output (see README)"
    )
    due.add_argument("--user", help="only the steps due from this username (as Home shows them to that user)")
    due.add_argument("--overdue", action="store_true", help="only the steps past their due date")
    commands.add_parser(
        "delete-personal-data",
        help="delete the case records and evidence notes of reviews whose deletion day has come (run it daily)",
    )
    convert = commands.add_parser(
        "scale-convert", help="write a scale in the other format: YAML to XLSX or XLSX to YAML (checked first)"
    )
    convert.add_argument("source", type=Path, help="a scale file, .yaml, .yml or .xlsx")
    convert.add_argument("target", type=Path, help="the file to write, .xlsx or .yaml")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        if args.command == "scale-check":  # needs no database, and checks the file even if scales/ is broken
            print(scale_check_command(args.file, settings.scales_dir))
            return 0
        if args.command == "scale-convert":
            print(scale_convert_command(args.source, args.target, settings.scales_dir))
            return 0
        scales = load_scales(settings.scales_dir)
        if args.command == "score":
            print(json.dumps(score_command(scales, args.scale, args.file)))
        elif args.command == "migrate":
            db.migrate(settings.database_url)
            print(f"database is up to date ({_safe_url(settings.database_url)})")
        elif args.command == "demo" and args.scale == "national":
            national = national_demo.load_national(
                db.make_engine(settings.database_url),
                scales=published(settings.database_url, scales),
                actor=access.operator(),
                services=args.services,
                quarters=args.quarters,
                progress=lambda _fraction, message: print(message, file=sys.stderr),
            )
            print(
                f"loaded national demo data in {national.seconds} s: {national.services} services, "
                f"{national.reviews} reviews, {national.ratings} item ratings, {national.actions} improvement actions, "
                f"{national.quarters} quarters of outcomes"
            )
        elif args.command == "demo":
            current = published(settings.database_url, scales)
            with db.session_scope(db.make_engine(settings.database_url)) as session:
                summary = demo.load_demo(
                    session,
                    scales=current,
                    actor=access.operator(),
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
        elif args.command == "create-user":
            print(create_user_command(settings.database_url, args))
        elif args.command == "bench" and args.uploads:
            from fidelity import upload_bench

            cases = upload_bench.run(scales, progress=lambda step: print(step, file=sys.stderr))
            print(upload_bench.table(cases))
        elif args.command == "bench" and (args.browser or args.users is not None):
            print(live_bench_command(settings.database_url, args))
        elif args.command == "bench":
            from fidelity.ui import bench

            result = bench.run(
                settings.database_url,
                repeats=args.repeats,
                pages=args.page,
                progress=lambda page: print(f"timing {page}", file=sys.stderr),
            )
            print(result.table())
            misses = result.misses()
            print("\nTargets: " + ("all met." if not misses else "not met:\n- " + "\n- ".join(misses)))
        elif args.command == "due":
            csv_text = cli_csv.due_command(settings.database_url, args.user, overdue=args.overdue, today=date.today())
            sys.stdout.write(csv_text.decode("utf-8"))
        elif args.command == "delete-personal-data":
            sys.stdout.write(cli_csv.delete_personal_data_command(settings.database_url, date.today()).decode("utf-8"))
        elif args.command == "insight":
            csv_text = cli_csv.insight_command(
                settings.database_url, scales, args.view, outcome=args.outcome, after=args.after
            )
            sys.stdout.write(csv_text.decode("utf-8"))
        elif args.command == "export":
            print(export_command(settings.database_url, args.file))
        elif args.command == "visit-pack":
            db.migrate(settings.database_url)
            print(visit_pack_command(settings.database_url, args))
        elif args.command == "backup":
            print(backup_command(settings.database_url, args.file))
        elif args.command == "restore":
            print(restore_command(settings.database_url, args.file))
    except PackError as error:
        print(f"error: {args.file}: nothing saved; {len(error.problems)} problem(s):", file=sys.stderr)
        for problem in error.problems[:100]:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except errors.ImportRefused as error:
        print(f"error: {args.file}: nothing imported; {error.total} problem(s):", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        if error.total > len(error.problems):
            print(f"  (the first {len(error.problems)} of {error.total} are listed)", file=sys.stderr)
        return 2
    except ScaleFileError as error:
        problems = str(error).splitlines()
        print(f"error: {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except (CliError, demo.DemoAlreadyLoaded, errors.Refused) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _safe_url(url: str) -> str:
    """The URL without any password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
