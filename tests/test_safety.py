"""Data safety: amendments keep final reviews immutable, concurrent saves conflict instead of overwriting,
a killed writer leaves the database consistent, and export/restore round-trips every table."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, select

from fidelity import db, demo, errors
from fidelity.errors import Conflict, InputError, PermissionDenied
from fidelity.models import AuditEvent, ItemRating, Review
from fidelity.store import accounts, amendments, backup, outcomes, plans, ratings, reviews, services
from fidelity.store.access import Actor, Role

from .conftest import ACTOR, ROOT, all_items, restore_target, sqlite_with_service, table_dump


def _write(url: str):  # type: ignore[no-untyped-def]
    return db.session_scope(db.make_engine(url))


# --- amendments -----------------------------------------------------------------------------------


def test_amendment__original_unchanged_both_visible_amendment_counts(db_url: str, make_service, make_review) -> None:
    service = make_service()
    original = make_review(service.id, scores=all_items(4), final=True)
    before = table_dump(db_url)
    with _write(db_url) as s:
        amendment = amendments.amend_review(
            s,
            actor=ACTOR,
            review_id=original.id,
            reason="Item 3 mis-keyed",
            changes={3: {"score": 2, "rationale": "Notes show 2"}},
        )
    after = table_dump(db_url)
    assert [row for row in after["review"] if row[0] == original.id] == [
        row for row in before["review"] if row[0] == original.id
    ], "the original final review changed"
    assert [r for r in after["itemrating"] if r[1] == original.id] == [
        r for r in before["itemrating"] if r[1] == original.id
    ]
    assert (amendment.total, amendment.amends_id, amendment.amendment_reason) == (98, original.id, "Item 3 mis-keyed")
    with Session(db.make_engine(db_url)) as s:
        listed = reviews.list_reviews(s, actor=ACTOR, service_id=service.id)
        history = reviews.service_history(s, service.id, actor=ACTOR)
        old_view = reviews.review_context(s, original.id, actor=ACTOR)
        new_view = reviews.review_context(s, amendment.id, actor=ACTOR)
        [overview] = services.list_services_overview(s, actor=ACTOR)
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "amend")).one()
    assert {r.id for r in listed} == {original.id, amendment.id}  # both stay visible
    assert [h.review.id for h in history] == [amendment.id]  # the amendment counts
    assert overview.latest_total == 98
    assert old_view.amended_by.id == amendment.id and new_view.amendment_of.id == original.id
    assert new_view.counted_scores[3] == 2 and new_view.ratings["lead"][3].rationale == "Notes show 2"
    assert event.before["items"] == {"3": {"score": 4, "rationale": ""}} and event.after["items"]["3"]["score"] == 2


@pytest.mark.parametrize(
    ("reason", "changes", "message"),
    [
        ("", {3: {"score": 2}}, "reason: say why"),
        ("why", {}, "nothing differs"),
        ("why", {3: {"score": 4}}, "nothing differs"),
        ("why", {30: {"score": 2}}, "item: 30 is not an item"),
        ("why", {3: {"score": 7}}, "score: Input should be less than or equal to 5"),
        ("why", {3: {"evidence": "x"}}, "only score, rationale"),
    ],
)
def test_amendment__bad_input_refused_and_nothing_saved(
    db_url, make_service, make_review, reason, changes, message
) -> None:
    original = make_review(make_service().id, scores=all_items(4), final=True)
    before = table_dump(db_url)
    with pytest.raises(InputError, match=message), _write(db_url) as s:
        amendments.amend_review(s, actor=ACTOR, review_id=original.id, reason=reason, changes=changes)
    assert table_dump(db_url) == before


def test_amendment__only_the_latest_can_be_amended_and_drafts_cannot(db_url, make_service, make_review) -> None:
    service = make_service()
    original = make_review(service.id, scores=all_items(4), final=True)
    draft = make_review(service.id, visit=date(2026, 1, 1), scores={1: 3})
    with _write(db_url) as s:
        first = amendments.amend_review(s, actor=ACTOR, review_id=original.id, reason="a", changes={1: {"score": 5}})
    with pytest.raises(Conflict, match=f"already been amended \\(review {first.id}\\)"), _write(db_url) as s:
        amendments.amend_review(s, actor=ACTOR, review_id=original.id, reason="b", changes={1: {"score": 3}})
    with _write(db_url) as s:
        second = amendments.amend_review(s, actor=ACTOR, review_id=first.id, reason="b", changes={2: {"score": 5}})
    assert second.total == 102
    with pytest.raises(InputError, match="only a final review is amended"), _write(db_url) as s:
        amendments.amend_review(s, actor=ACTOR, review_id=draft.id, reason="c", changes={1: {"score": 5}})
    with pytest.raises(errors.ReviewLocked, match="correct it with an amendment"), _write(db_url) as s:
        ratings.save_rating(s, actor=ACTOR, review_id=original.id, data={"item_number": 1, "score": 1})


def test_delete_draft__scores_go_final_refused_audit_keeps_copy(db_url, make_service, make_review) -> None:
    service = make_service()
    final = make_review(service.id, scores=all_items(4), final=True)
    draft = make_review(service.id, visit=date(2026, 1, 1), scores={1: 3, 2: 4})
    with _write(db_url) as s:
        reviews.delete_draft_review(s, actor=ACTOR, review_id=draft.id)
    with pytest.raises(errors.ReviewLocked), _write(db_url) as s:
        reviews.delete_draft_review(s, actor=ACTOR, review_id=final.id)
    with Session(db.make_engine(db_url)) as s:
        assert s.get(Review, draft.id) is None
        assert s.exec(select(func.count()).where(ItemRating.review_id == draft.id)).one() == 0
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "delete")).one()
    assert event.entity_id == str(draft.id) and len(event.before["ratings"]) == 2


# --- two people saving the same thing ---------------------------------------------------------------------


def test_concurrent_saves__second_with_stale_version_gets_conflict_and_first_is_kept(
    db_url, make_service, make_review
) -> None:
    review = make_review(make_service().id, scores={1: 3})
    engine = db.make_engine(db_url)
    with Session(engine) as first_view, Session(engine) as second_view:  # two users open item 1
        seen_by_first = ratings.ratings_of(first_view, review.id)[1].version
        seen_by_second = ratings.ratings_of(second_view, review.id)[1].version
    with _write(db_url) as s:
        ratings.save_rating(
            s, actor=ACTOR, review_id=review.id, data={"item_number": 1, "score": 4}, expected_version=seen_by_first
        )
    before = table_dump(db_url)
    with pytest.raises(Conflict, match="item 1 was changed by someone else"), _write(db_url) as s:
        ratings.save_rating(
            s,
            actor=ACTOR,
            review_id=review.id,
            data={"item_number": 1, "score": 5, "evidence": "mine"},
            expected_version=seen_by_second,
        )
    assert table_dump(db_url) == before
    with Session(engine) as s:
        assert ratings.ratings_of(s, review.id)[1].score == 4


def test_concurrent_transactions__interleaved_update_raises_conflict_not_lost_update(db_url, make_service) -> None:
    """Both transactions read version 1; the first commits; the second's UPDATE matches no row and is refused."""
    service = make_service()
    engine = db.make_engine(db_url)
    with pytest.raises(Conflict, match="at the same moment"), db.session_scope(engine) as second:
        mine = second.get(type(service), service.id)
        assert mine.version == 1
        with db.session_scope(engine) as first:
            services.update_service(first, actor=ACTOR, service_id=service.id, data={"provider": "First Ltd"})
        mine.provider = "Second Ltd"
        second.add(mine)
        second.flush()
    with Session(engine) as s:
        stored = s.get(type(service), service.id)
        assert (stored.provider, stored.version) == ("First Ltd", 2)


def test_concurrent_outcome_and_action_corrections__conflict(db_url, make_service, make_review) -> None:
    from .test_access import FIGURES

    service = make_service()
    review = make_review(service.id, scores=all_items(3), final=True)
    with _write(db_url) as s:
        period = outcomes.save_outcome(s, actor=ACTOR, service_id=service.id, quarter="2025-Q1", figures=FIGURES)
        action = plans.add_action(
            s, actor=ACTOR, review_id=review.id, data={"description": "A", "due_date": date(2025, 6, 1)}
        )
    with _write(db_url) as s:
        outcomes.save_outcome(
            s,
            actor=ACTOR,
            service_id=service.id,
            quarter="2025-Q1",
            figures=FIGURES | {"referrals": 21},
            replace=True,
            expected_version=period.version,
        )
        plans.update_action(
            s, actor=ACTOR, action_id=action.id, data={"status": "done"}, expected_version=action.version
        )
    with pytest.raises(Conflict, match="the 2025-Q1 figures"), _write(db_url) as s:
        outcomes.save_outcome(
            s,
            actor=ACTOR,
            service_id=service.id,
            quarter="2025-Q1",
            figures=FIGURES,
            replace=True,
            expected_version=period.version,
        )
    with pytest.raises(Conflict, match="this action"), _write(db_url) as s:
        plans.update_action(s, actor=ACTOR, action_id=action.id, data={"owner": "Jo"}, expected_version=action.version)


# --- a crash mid-write ---------------------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys
    from fidelity import db, errors
    from fidelity.store import access, amendments, outcomes, plans, ratings, reviews, services
    url, review_id = sys.argv[1], int(sys.argv[2])
    engine = db.make_engine(url)
    actor = access.operator("writer")
    n = 0
    while True:
        with db.session_scope(engine) as s:
            for item in range(1, 26):
                ratings.save_rating(s, actor=actor, review_id=review_id, data={"item_number": item, "evidence": f"pass {n}"})
        n += 1
        print(n, flush=True)
    """
)


def test_crash_mid_write__killed_writer_leaves_database_consistent(db_url, make_service, make_review) -> None:
    review = make_review(make_service().id, scores=all_items(3))
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, db_url, str(review.id)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    passes = [writer.stdout.readline() for _ in range(3)]  # three whole transactions committed
    time.sleep(0.05)  # then kill it somewhere inside a later one
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    db.dispose_engine(db_url)
    engine = db.make_engine(db_url)
    with engine.connect() as connection:
        if db_url.startswith("sqlite"):
            assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    with Session(engine) as s:
        stored = ratings.ratings_of(s, review.id)
        evidence = {r.evidence for r in stored.values()}
        updates = s.exec(select(func.count()).where(AuditEvent.actor == "writer")).one()
    assert len(passes) == 3 and all(p.strip() for p in passes)
    assert len(evidence) == 1, f"a transaction was half-saved: {sorted(evidence)}"  # all 25 items from one pass
    completed = int(next(iter(evidence)).removeprefix("pass ")) + 1
    assert updates == 25 * completed  # every saved change has its audit entry, and no entry lacks its change


# --- export and restore ----------------------------------------------------------------------------------------


def _rich_database(url: str, scales) -> None:
    """Demo data plus the awkward cases: amendments, deletions, users, text with markup and odd characters."""
    with _write(url) as s:
        demo.load_demo(s, actor=ACTOR, scales=scales, today=date(2026, 11, 22))
        accounts.create_user(
            s,
            actor=ACTOR,
            data={"username": "odd", "display_name": "Zoë \\ “Q” <b>", "role": "reviewer", "password": "a password 1"},
        )
        final = s.exec(select(Review).where(Review.status == "final").order_by(Review.id)).first()
        amendment = amendments.amend_review(
            s,
            actor=ACTOR,
            review_id=final.id,
            reason="Tab\there, newline\nthere, \\E and \\N, emoji 🙂",
            changes={1: {"score": 1, "rationale": ""}},
        )
        # control characters are refused on input now, but data saved before may hold one
        amendment.amendment_reason += ", ctrl \x01"
        s.add(amendment)
        draft = s.exec(select(Review).where(Review.status != "final").order_by(Review.id)).first()
        ratings.save_rating(
            s, actor=ACTOR, review_id=draft.id, data={"item_number": 1, "evidence": "x" * 19_999}, rater="lead"
        )


PASSPHRASE = "tea at four in leeds"


def test_backup_restore__every_table_round_trips(db_url: str, scales, tmp_path) -> None:
    _rich_database(db_url, scales)
    original = table_dump(db_url)
    engine = db.make_engine(db_url)
    exported = backup.export_backup(engine, actor=ACTOR, passphrase=PASSPHRASE)
    assert b"$argon2id$" not in exported and "Zoë".encode() not in exported  # sealed: nothing readable
    target = restore_target(db_url, tmp_path)
    with pytest.raises(InputError, match="passphrase: the passphrase is not right"):
        backup.restore(db.make_engine(target), exported, "b.ipsbackup", passphrase="tea at five in leeds")
    assert backup.is_empty(db.make_engine(target))
    counts = backup.restore(db.make_engine(target), exported, "b.ipsbackup", passphrase=PASSPHRASE)
    assert counts["review"] == len(original["review"]) and counts["auditevent"] == len(original["auditevent"])
    restored = table_dump(target)
    for table, rows in original.items():
        assert restored[table] == rows, f"table {table} differs after restore"
    with _write(target) as s:  # ids continue after the restored ones
        service = services.create_programme(s, actor=ACTOR, name="After restore")
        assert service.id == max(r[0] for r in original["programme"]) + 1
        assert accounts.sign_in(s, username="odd", password="a password 1").actor is not None


@pytest.mark.parametrize("kind", ["xlsx", "zip"])
def test_export_for_analysis__no_credentials__and_never_restored(db_url: str, scales, kind: str, tmp_path) -> None:
    _rich_database(db_url, scales)
    engine = db.make_engine(db_url)
    with db.session_scope(engine) as s:  # a failed sign-in counted for someone
        accounts.sign_in(s, username="odd", password="not the password", client="10.0.0.7")
    exported = backup.export_xlsx(engine, actor=ACTOR) if kind == "xlsx" else backup.export_csv_zip(engine, actor=ACTOR)
    about, sheets = backup.read_backup(exported, f"export.{kind}")
    assert about["format"] == backup.ANALYSIS_FORMAT and "signinthrottle" not in sheets
    header, *users = sheets["user"]
    for column in ("password_hash", "demo_password"):
        assert {row[header.index(column)] for row in users} == {None}, column
    assert len(users) >= 2 and not any("argon2" in str(cell) for row in users for cell in row)
    target = restore_target(db_url, tmp_path)
    with pytest.raises(InputError, match="this is an export for analysis, made without the passwords"):
        backup.restore(db.make_engine(target), exported, f"export.{kind}")
    assert backup.is_empty(db.make_engine(target))


def test_backup__weak_passphrase_refused__admins_only(db_url: str) -> None:
    engine = db.make_engine(db_url)
    with pytest.raises(InputError, match=r"passphrase: .*people choose most often"):
        backup.export_backup(engine, actor=ACTOR, passphrase="password123")
    with pytest.raises(PermissionDenied):
        backup.export_backup(engine, actor=Actor(name="cora", role=Role.COMMISSIONER, user_id=1), passphrase=PASSPHRASE)


def test_restore__refuses_a_database_that_is_not_empty_and_changes_nothing(db_url: str, make_service) -> None:
    make_service()
    engine = db.make_engine(db_url)
    exported = backup.export_backup(engine, actor=ACTOR, passphrase=PASSPHRASE)
    before = table_dump(db_url)
    with pytest.raises(InputError, match="is not empty; restore only into an empty database"):
        backup.restore(engine, exported, "b.ipsbackup", passphrase=PASSPHRASE)
    assert table_dump(db_url) == before


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"not a zip", "b.zip", "b.zip is not a backup"),
        (b"x", "b.txt", "neither an .xlsx nor a .zip"),
    ],
)
def test_restore__bad_files_refused(tmp_path, content: bytes, name: str, message: str) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    db.migrate(url)
    with pytest.raises(InputError, match=message):
        backup.restore(db.make_engine(url), content, name)
    assert backup.is_empty(db.make_engine(url))


def test_cli_backup_restore__round_trip__export_for_analysis_refused(tmp_path) -> None:
    source = sqlite_with_service(tmp_path / "source.db", "Exported IPS")
    out, analysis = tmp_path / "b.ipsbackup", tmp_path / "analysis.xlsx"
    run = lambda *args, url, given="": subprocess.run(  # noqa: E731
        [sys.executable, "-m", "fidelity", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        input=given,
        check=False,
    )
    exported = run("export", str(analysis), url=source)
    assert exported.returncode == 0 and "no passwords, not restorable" in exported.stdout, exported.stderr
    saved = run("backup", str(out), url=source, given=PASSPHRASE + "\n")
    assert saved.returncode == 0 and "encrypted" in saved.stdout, saved.stderr
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    refused = run("restore", str(analysis), url=target)
    assert refused.returncode == 2 and "export for analysis" in refused.stderr
    wrong = run("restore", str(out), url=target, given="not the passphrase\n")
    assert wrong.returncode == 2 and "passphrase is not right" in wrong.stderr
    restored = run("restore", str(out), url=target, given=PASSPHRASE + "\n")
    assert restored.returncode == 0 and "restored" in restored.stdout, restored.stderr
    assert table_dump(target) == table_dump(source)
    again = run("restore", str(out), url=target, given=PASSPHRASE + "\n")
    assert again.returncode == 2 and "is not empty" in again.stderr


def test_cli_restore__sealed_file_without_standard_input__a_clean_error(tmp_path, monkeypatch, capsys) -> None:
    """Hypothesis found it: a file starting like a sealed backup made restore read a passphrase from standard input,
    and with none (closed, or a test harness's) that was a traceback."""
    import io

    from fidelity import cli, sealed

    class Closed(io.StringIO):
        def isatty(self) -> bool:
            raise ValueError("I/O operation on closed file")

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    monkeypatch.setattr(sys, "stdin", Closed())
    path = tmp_path / "b.ipsbackup"
    path.write_bytes(sealed.MAGIC)
    assert cli.main(["restore", str(path)]) == 2
    assert (
        capsys.readouterr().err == "error: passphrase: none given; type it when asked, or pipe it on standard input\n"
    )
