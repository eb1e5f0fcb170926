"""Export the database for analysis (XLSX, or a ZIP of CSV files), back it up encrypted, and restore a backup into
an empty database.

An export for analysis holds every table but the sign-in counts, and every column but the password hashes and the
demo accounts' passwords: it carries no credentials and cannot be restored. A backup holds everything (a ZIP of CSV
files) and is sealed with a passphrase the admin types (fidelity.sealed); it restores only with that passphrase.
Unencrypted whole-database exports made before the split (formats 1 and 2) still restore.

Every row, every column that is kept. Values are written as text a person can read (dates as
ISO 8601, JSON columns as JSON). An empty cell is NULL; an empty string in a column that may be
NULL is written `\\E`, and text that starts with a backslash gets one more, so a restore gives back
exactly what was exported. Text that a spreadsheet would run as a formula gets a leading single
quote (`fidelity.files`), taken off again on restore. In XLSX, text longer than a cell holds (or with
characters Excel refuses) goes to the `_long` sheet in pieces.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from alembic.runtime.migration import MigrationContext
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, Table, Time, func, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from fidelity import db, files, sealed
from fidelity.errors import InputError
from fidelity.store.access import Actor, require_admin

FORMAT = "ips-fidelity-backup/2"
OLD_FORMAT = "ips-fidelity-backup/1"  # before text cells were escaped against formulas; still restored
ANALYSIS_FORMAT = "ips-fidelity-analysis/1"  # credentials withheld: never restored
WITHHELD_COLUMNS = {"user": ("password_hash", "demo_password")}  # empty in an export for analysis
WITHHELD_TABLES = ("signinthrottle",)  # failed sign-ins per username and client: left out of an export for analysis
BACKUP_SUFFIX = ".ipsbackup"
EMPTY_TEXT = "\\E"
XLSX_CELL_LIMIT = 30_000
Progress = Callable[[float, str], None]


def tables() -> list[Table]:
    """Every table, parents before children (so a restore never breaks a foreign key)."""
    return list(SQLModel.metadata.sorted_tables)


def schema_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


# --- values to text and back ----------------------------------------------------------------------


def _sql_type(column: Any) -> Any:
    """The underlying SQL type (SQLModel wraps some, e.g. UTCDateTime around DateTime)."""
    return getattr(column.type, "impl_instance", column.type)


def _encode(value: Any, column: Any) -> Any:
    if value is None:
        return None
    if isinstance(_sql_type(column), JSON):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    elif isinstance(value, datetime | date | time):
        return value.isoformat()
    elif isinstance(value, bool | int | float):
        return value
    value = str(value)
    if value == "":
        return EMPTY_TEXT if column.nullable else None
    return "\\" + value if value.startswith("\\") else value


def _decode(value: Any, column: Any, *, escaped: bool = True) -> Any:
    if escaped:
        value = files.read_cell(value)
    if value is None or value == "":
        return None if column.nullable else ""
    kind = _sql_type(column)
    if isinstance(kind, Boolean):
        return value if isinstance(value, bool) else str(value).strip().lower() in {"true", "1"}
    if isinstance(kind, Integer):
        return int(value)
    if isinstance(kind, Float):
        return float(value)
    if isinstance(kind, DateTime):
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(kind, Date):
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if isinstance(kind, Time):
        return value if isinstance(value, time) else time.fromisoformat(str(value))
    value = str(value)
    if value == EMPTY_TEXT:
        return ""
    if value.startswith("\\\\"):
        value = value[1:]
    return json.loads(value) if isinstance(kind, JSON) else value


def _rows(connection: Connection, table: Table, *, analysis: bool) -> Iterable[list[Any]]:
    withheld = set(WITHHELD_COLUMNS.get(table.name, ())) if analysis else set()
    for row in connection.execute(select(table).order_by(*table.primary_key.columns)):
        yield [
            None if column.name in withheld else _encode(value, column)
            for value, column in zip(row, table.columns, strict=True)
        ]


def _tables(*, analysis: bool) -> list[Table]:
    return [t for t in tables() if not (analysis and t.name in WITHHELD_TABLES)]


def _about(connection: Connection, counts: dict[str, int], *, analysis: bool) -> dict[str, Any]:
    about: dict[str, Any] = {
        "format": ANALYSIS_FORMAT if analysis else FORMAT,
        "schema_revision": schema_revision(connection),
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": counts,
    }
    if analysis:
        about["withheld"] = [f"{t}.{c}" for t, columns in WITHHELD_COLUMNS.items() for c in columns] + [
            f"{t} (table)" for t in WITHHELD_TABLES
        ]
    return about


# --- export ---------------------------------------------------------------------------------------------


def export_xlsx(engine: Engine, *, actor: Actor, progress: Progress | None = None) -> bytes:
    """The database for analysis as one workbook: a sheet per table, `_about` and `_long`; no credentials."""
    require_admin(actor, "export the whole database")
    book = Workbook(write_only=True)
    long_sheet_rows: list[list[Any]] = []
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        all_tables = _tables(analysis=True)
        for index, table in enumerate(all_tables):
            if progress:
                progress(index / len(all_tables), f"Exporting {table.name}")
            sheet = book.create_sheet(table.name)
            sheet.append([c.name for c in table.columns])
            counts[table.name] = 0
            for row_number, values in enumerate(_rows(connection, table, analysis=True), start=2):
                for position, value in enumerate(values):
                    if isinstance(value, str) and (len(value) > XLSX_CELL_LIMIT or ILLEGAL_CHARACTERS_RE.search(value)):
                        as_json = json.dumps(files.text_cell(value))  # as every other cell: restore unescapes it
                        for part, start in enumerate(range(0, len(as_json), XLSX_CELL_LIMIT)):
                            long_sheet_rows.append(
                                [table.name, row_number, position, part, as_json[start : start + XLSX_CELL_LIMIT]]
                            )
                        values[position] = None
                sheet.append(files.xlsx_row(sheet, values))
                counts[table.name] += 1
        about = _about(connection, counts, analysis=True)
    long_sheet = book.create_sheet("_long")
    long_sheet.append(["table", "row", "column", "part", "json"])
    for row in long_sheet_rows:
        long_sheet.append(files.xlsx_row(long_sheet, row))
    about_sheet = book.create_sheet("_about")
    for key, value in about.items():
        about_sheet.append([key, json.dumps(value) if isinstance(value, dict | list) else value])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_csv_zip(engine: Engine, *, actor: Actor) -> bytes:
    """The database for analysis as a ZIP: one CSV per table and about.json; no credentials."""
    require_admin(actor, "export the whole database")
    return _csv_zip(engine, analysis=True)


def export_backup(engine: Engine, *, actor: Actor, passphrase: str) -> bytes:
    """Everything, password hashes included, as a ZIP of CSV files sealed with `passphrase` (fidelity.sealed)."""
    require_admin(actor, "back up the whole database")
    if problem := sealed.passphrase_problem(passphrase):
        raise InputError(f"passphrase: {problem}")
    return sealed.seal(_csv_zip(engine, analysis=False), passphrase)


def _csv_zip(engine: Engine, *, analysis: bool) -> bytes:
    buffer = io.BytesIO()
    counts: dict[str, int] = {}
    with engine.connect() as connection, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in _tables(analysis=analysis):
            counts[table.name] = 0

            def counted(table: Table = table) -> Iterable[list[Any]]:
                for values in _rows(connection, table, analysis=analysis):
                    counts[table.name] += 1
                    yield values

            archive.writestr(f"{table.name}.csv", files.csv_bytes([c.name for c in table.columns], counted()))
        archive.writestr("about.json", json.dumps(_about(connection, counts, analysis=analysis), indent=2))
    return buffer.getvalue()


# --- restore ------------------------------------------------------------------------------------------------


def _read_xlsx(content: bytes) -> tuple[dict[str, Any], dict[str, list[list[Any]]]]:
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    if "_about" not in book.sheetnames:
        raise InputError("file: this workbook is not an IPS Fidelity backup (no _about sheet)")
    about = {str(k): v for k, v, *_ in book["_about"].iter_rows(values_only=True)}
    about["rows"] = json.loads(about.get("rows") or "{}")
    escaped = about.get("format") != OLD_FORMAT
    sheets = {
        name: [list(row) for row in book[name].iter_rows(values_only=True)]
        for name in book.sheetnames
        if not name.startswith("_")
    }
    pieces: dict[tuple[str, int, int], list[tuple[int, str]]] = {}
    for table, row, column, part, chunk in list(book["_long"].iter_rows(values_only=True))[1:]:
        pieces.setdefault((str(table), int(row), int(column)), []).append((int(part), str(chunk)))
    for (table, row, column), parts in pieces.items():
        joined = "".join(files.read_cell(chunk) if escaped else chunk for _, chunk in sorted(parts))
        sheets[table][row - 1][column] = json.loads(joined)
    return about, sheets


def _read_csv_zip(content: bytes) -> tuple[dict[str, Any], dict[str, list[list[Any]]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = set(archive.namelist())
        if "about.json" not in names:
            raise InputError("file: this ZIP is not an IPS Fidelity backup (no about.json)")
        about = json.loads(archive.read("about.json"))
        sheets = {}
        for name in names - {"about.json"}:
            reader = csv.reader(io.StringIO(archive.read(name).decode("utf-8"), newline=""))
            sheets[name.removesuffix(".csv")] = [[cell if cell != "" else None for cell in row] for row in reader]
    return about, sheets


BACKUP_UNPACKED_LIMIT = 4_000_000_000  # bytes of a backup once unzipped: a national database is about 400 MB
BACKUP_RATIO_LIMIT = 200  # unzipped / zipped, per member: CSV and sheets of a real backup compress 5-30 to 1


def read_backup(content: bytes, filename: str) -> tuple[dict[str, Any], dict[str, list[list[Any]]]]:
    """A backup's description and tables, its zip directory checked first (sizes and compression, before any
    member is read)."""
    if filename.lower().endswith((".xlsx", ".zip")) and (
        problem := files.check_xlsx(content, unpacked_limit=BACKUP_UNPACKED_LIMIT, ratio_limit=BACKUP_RATIO_LIMIT)
    ):
        raise InputError(f"file: {filename} {problem.replace('not an XLSX workbook', 'is not a backup')}")
    try:
        if filename.lower().endswith(".xlsx"):
            return _read_xlsx(content)
        if filename.lower().endswith(".zip"):
            return _read_csv_zip(content)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise InputError(f"file: {filename} cannot be read as a backup ({error})") from error
    raise InputError(f"file: {filename} is neither an .xlsx nor a .zip backup")


def is_empty(engine: Engine) -> bool:
    with engine.connect() as connection:
        return all(connection.execute(select(func.count()).select_from(t)).scalar_one() == 0 for t in tables())


def restore(
    engine: Engine, content: bytes, filename: str, *, passphrase: str = "", progress: Progress | None = None
) -> dict[str, int]:
    """Load a backup into an empty database at the same schema revision: all rows or none. An encrypted backup
    opens only with its passphrase; an export for analysis is refused (it has no passwords)."""
    if sealed.is_sealed(content):
        try:
            content, filename = sealed.unseal(content, passphrase), "backup.zip"
        except sealed.SealError as error:
            raise InputError(f"passphrase: {error}") from error
    about, sheets = read_backup(content, filename)
    if about.get("format") == ANALYSIS_FORMAT:
        raise InputError(
            "file: this is an export for analysis, made without the passwords, so it cannot be restored; "
            f"restore an encrypted backup ({BACKUP_SUFFIX})"
        )
    if about.get("format") not in (FORMAT, OLD_FORMAT):
        raise InputError(f"file: unknown backup format {about.get('format')!r}; expected {FORMAT}")
    escaped = about.get("format") == FORMAT
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        revision = schema_revision(connection)
        if about.get("schema_revision") != revision:
            raise InputError(
                f"file: the backup is of schema {about.get('schema_revision')}, this database is at {revision}; "
                "restore with the app version that made it, or migrate first"
            )
        for table in tables():
            if connection.execute(select(func.count()).select_from(table)).scalar_one():
                raise InputError(f"database: table {table.name} is not empty; restore only into an empty database")
        all_tables = tables()
        for index, table in enumerate(all_tables):
            if progress:
                progress(index / len(all_tables), f"Restoring {table.name}")
            rows = sheets.get(table.name)
            if rows is None:
                raise InputError(f"file: table {table.name} is missing from the backup")
            header = [str(h) for h in rows[0]] if rows else []
            expected = [c.name for c in table.columns]
            if header != expected:
                raise InputError(f"{table.name}: columns {header} do not match {expected}")
            records = []
            for row_number, row in enumerate(rows[1:], start=2):
                try:
                    records.append(
                        {
                            c.name: _decode(v, c, escaped=escaped)
                            for c, v in zip(table.columns, list(row) + [None] * 99, strict=False)
                        }
                    )
                except (ValueError, TypeError) as error:
                    raise InputError(f"{table.name}: row {row_number}: {error}") from error
            if records:
                connection.execute(table.insert(), records)
            counts[table.name] = len(records)
            if counts[table.name] != about.get("rows", {}).get(table.name, counts[table.name]):
                raise InputError(
                    f"{table.name}: {counts[table.name]} rows read, the backup says {about['rows'][table.name]}"
                )
        if connection.dialect.name == "postgresql":
            db.reset_sequences(connection)
    return counts
