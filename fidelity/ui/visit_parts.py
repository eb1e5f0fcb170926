"""The Site visit page's parts: the visit plan and its agenda, the case-record sample and its measures, evidence notes."""

from __future__ import annotations

import functools
import math
from datetime import datetime, time
from typing import Any

import pandas as pd
import streamlit as st

from fidelity import errors, reports
from fidelity.models import Review
from fidelity.scales import Scale
from fidelity.store import packs, visits
from fidelity.store.access import Actor
from fidelity.ui import resources, widgets
from fidelity.ui.state import flash
from fidelity.visit_models import INFORMANT_ROLES, SessionKind
from fidelity.visit_pack import PACK_LIMIT, PackError, PackItem

YES_NO = {"yes": True, "no": False}


def _plain(value: Any) -> Any:
    """A data-editor cell as the data layer takes it: blanks as None, timestamps as dates or times."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _frame_rows(frame: pd.DataFrame, fields: dict[str, str]) -> list[dict[str, Any]]:
    """The edited table's rows by model field (`fields`: column -> field); wholly blank rows are left out."""
    rows = []
    for record in frame.to_dict("records"):
        row = {field: _plain(record.get(column)) for column, field in fields.items()}
        if any(value not in (None, [], "") for name, value in row.items() if name != "id"):
            rows.append(row)
    return rows


def _table_editor(
    frame: pd.DataFrame, *, key: str, editable: bool, fields: dict[str, str], config: dict[str, Any]
) -> pd.DataFrame:
    """A table the reviewers add rows to and edit (read-only once the review is final); its id column hidden."""
    return st.data_editor(  # type: ignore[no-any-return]
        frame,
        key=key,
        num_rows="dynamic" if editable else "fixed",
        disabled=not editable,
        hide_index=True,
        width="stretch",
        column_order=[c for c in fields if c != "id"],
        column_config=config,
    )


PLAN_FIELDS = {
    "id": "id",
    "Session": "kind",
    "Who (role)": "informant_role",
    "Day": "day",
    "Start": "start",
    "Minutes": "minutes",
    "Items": "items",
}


def plan_section(review: Review, scale: Scale, visit: visits.Visit, *, editable: bool) -> None:
    """The visit plan as a table the reviewers edit, and its one-page agenda as DOCX or PDF."""
    frame = pd.DataFrame(
        [
            {
                "id": s.id,
                "Session": s.kind,
                "Who (role)": s.informant_role,
                "Day": s.day,
                "Start": s.start,
                "Minutes": s.minutes,
                "Items": [str(n) for n in s.items],
            }
            for s in visit.sessions
        ],
        columns=list(PLAN_FIELDS),
    )
    st.caption(
        "One row per session: an interview, observing a team meeting or an employment specialist with an "
        "employer, or reading case records. Name the informant's role, never a person."
    )
    edited = _table_editor(
        frame,
        key=f"visit:plan:{review.id}",
        editable=editable,
        fields=PLAN_FIELDS,
        config={
            "Session": st.column_config.SelectboxColumn(options=[k.value for k in SessionKind], required=True),
            "Who (role)": st.column_config.SelectboxColumn(options=list(INFORMANT_ROLES), required=True),
            "Day": st.column_config.DateColumn(format="D MMM YYYY", default=review.visit_start, required=True),
            "Start": st.column_config.TimeColumn(format="HH:mm", step=300, default=time(9, 30), required=True),
            "Minutes": st.column_config.NumberColumn(min_value=5, max_value=600, step=5, default=60, required=True),
            "Items": st.column_config.MultiselectColumn(
                options=[str(item.number) for item in scale.items],
                help="The items this session informs",
            ),
        },
    )
    if editable and st.button("Save the visit plan", type="primary", key=f"visit:plan_save:{review.id}"):
        rows = [
            row | {"items": [int(n) for n in row.get("items") or []], "start": _time(row.get("start"))}
            for row in _frame_rows(edited, PLAN_FIELDS)
        ]
        widgets.save_then_rerun(
            lambda session: visits.save_plan(session, actor=resources.actor(), review_id=review.id or 0, rows=rows),
            f"Saved the visit plan: {len(rows)} session(s).",
        )
    with resources.reading() as session:
        agenda = visits.agenda(session, actor=resources.actor(), review_id=review.id or 0)
    name = f"visit-agenda-review-{review.id}"
    left, right = st.columns(2)
    left.download_button(
        "Download the agenda (DOCX)",
        functools.partial(reports.agenda_docx, agenda),
        file_name=f"{name}.docx",
        key=f"visit:agenda_docx:{review.id}",
    )
    right.download_button(
        "Download the agenda (PDF)",
        functools.partial(reports.agenda_pdf, agenda),
        file_name=f"{name}.pdf",
        key=f"visit:agenda_pdf:{review.id}",
    )


def _time(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            return value
    return value


RECORD_FIELDS = {
    "id": "id",
    "Reference": "reference",
    "Referral": "referral_date",
    "First meeting": "first_meeting",
    "First employer contact": "first_employer_contact",
    "Profile written": "profile_present",
    "Benefits advice": "benefits_advice",
    "Job start": "job_start",
    "Job end": "job_end",
    "Competitive job": "job_competitive",
    "Profile updated after job": "profile_updated_after_job",
    "In-work support contacts": "in_work_contacts",
}
_FLAGS = ("Profile written", "Benefits advice", "Competitive job", "Profile updated after job")
_DATES = ("Referral", "First meeting", "First employer contact", "Job start", "Job end")


def records_section(review: Review, visit: visits.Visit, *, editable: bool) -> None:
    """The case-record sample as a table, and what it measures for the items, with the score each suggests."""
    st.caption(
        "One row per case record read, under the service's own record reference (for example CR-0042): "
        "never a name, NHS number, date of birth, postcode, email address or phone number."
    )
    rows = []
    for r in visit.records:
        row: dict[str, Any] = {column: getattr(r, field) for column, field in RECORD_FIELDS.items()}
        for column in _FLAGS:
            row[column] = None if row[column] is None else ("yes" if row[column] else "no")
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(RECORD_FIELDS))
    config: dict[str, Any] = {
        "Reference": st.column_config.TextColumn(max_chars=30, required=True),
        "In-work support contacts": st.column_config.NumberColumn(min_value=0, max_value=1000, step=1),
    }
    config |= {column: st.column_config.DateColumn(format="D MMM YYYY") for column in _DATES}
    config |= {column: st.column_config.SelectboxColumn(options=list(YES_NO)) for column in _FLAGS}
    edited = _table_editor(
        frame, key=f"visit:records:{review.id}", editable=editable, fields=RECORD_FIELDS, config=config
    )
    if editable and st.button("Save the case records", type="primary", key=f"visit:records_save:{review.id}"):
        entered = _frame_rows(edited, RECORD_FIELDS)
        for row in entered:
            for column in _FLAGS:
                field = RECORD_FIELDS[column]
                row[field] = YES_NO.get(row[field], row[field]) if row[field] is not None else None
            if row.get("in_work_contacts") is not None:
                row["in_work_contacts"] = int(row["in_work_contacts"])
        widgets.save_then_rerun(
            lambda session: visits.save_records(
                session, actor=resources.actor(), review_id=review.id or 0, rows=entered
            ),
            f"Saved the case-record sample: {len(entered)} record(s).",
        )
    measures_table(visit)


def measures_table(visit: visits.Visit) -> None:
    st.markdown("**What the sample measures**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Item": f"{m.item_number}. {m.item_name}",
                    "Measure": m.name,
                    "Value": None if m.value is None else round(m.value, 1),
                    "Unit": m.unit.strip(),
                    "n": m.n,
                    "Detail": m.detail,
                    "Suggests": m.suggested,
                }
                for m in visit.measures.values()
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption("A suggestion follows the scale's thresholds for that item; the reviewers decide every score.")


def notes_section(review: Review, scale: Scale, visit: visits.Visit, actor: Actor, raters: list[str]) -> None:
    """Add an evidence note tagged to the items it informs; list the notes this reviewer may see."""
    sessions = {s.id: f"{s.day:%a %d %b} {s.start:%H:%M} · {s.kind} · {s.informant_role}" for s in visit.sessions}
    if raters and review.status != "final":
        with st.form(f"visit:note:{review.id}", clear_on_submit=True):
            rater = (
                st.radio(
                    "Your note as",
                    raters,
                    horizontal=True,
                    key="visit:note_rater",
                    format_func=lambda r: f"{widgets.md(review.reviewer_name(r))} ({r} reviewer)",
                )
                if len(raters) > 1
                else raters[0]
            )
            session_id = st.selectbox(
                "From the session (optional)",
                list(sessions),
                format_func=sessions.__getitem__,
                index=None,
                key="visit:note_session",
            )
            items = st.multiselect(
                "Items it informs",
                [i.number for i in scale.items],
                format_func=lambda n: widgets.item_title(scale.item(n)),
                key="visit:note_items",
            )
            text = st.text_area(
                "Evidence", max_chars=5_000, key="visit:note_text", placeholder="What you saw, read or heard"
            )
            submitted = st.form_submit_button("Add the note", type="primary")
        if submitted:
            widgets.save_then_rerun(
                lambda session: visits.add_note(
                    session,
                    actor=actor,
                    review_id=review.id or 0,
                    rater=rater,
                    data={"text": text, "items": items, "session_id": session_id},
                ),
                "Added the evidence note.",
            )
    if not visit.notes:
        st.info("No evidence notes yet.")
        return
    for note in visit.notes:
        with st.container(border=True):
            st.markdown(widgets.md(note.text))
            st.caption(
                f"{widgets.md(review.reviewer_name(note.rater))} · items {', '.join(map(str, note.items))}"
                + (f" · {sessions[note.session_id]}" if note.session_id in sessions else "")
                + f" · {note.created_at.astimezone():%d %b %Y %H:%M}"
            )


PACK_ROUND = "visit:pack_round"
OUTCOME_WORDS = {
    packs.SAME: "the same in both",
    packs.APP: "keeps the app's (unchanged in the pack)",
    packs.PACK: "takes the pack's",
    packs.CONFLICT: "changed in both: choose below",
}


def _short(entry: PackItem) -> str:
    score = "no score" if entry.score is None else f"scored {entry.score}"
    evidence = entry.evidence if len(entry.evidence) <= 80 else entry.evidence[:79] + "…"
    return score + (f": {evidence}" if evidence else "")


def pack_section(review: Review, raters: list[str]) -> None:
    """Download a pack to score offline; upload it back to see it beside the app's values, then save it."""
    st.caption(
        "For a visit without a reliable connection: download your own scoring of this review as a workbook, "
        "score in Excel or LibreOffice, then upload it here. It carries only your scores and notes."
    )
    for rater in raters:
        key = f"visit:pack:{review.id}:{rater}"
        if st.button(f"Make my pack ({rater} reviewer)", key=f"{key}:make"):
            try:
                with resources.transaction() as session:
                    st.session_state[key] = packs.export_pack(
                        session, actor=resources.actor(), review_id=review.id or 0, rater=rater
                    )
            except errors.Refused as error:
                widgets.show_error(error)
        if st.session_state.get(key):
            st.download_button(
                f"Download the pack ({rater} reviewer)",
                st.session_state[key],
                file_name=f"visit-pack-review-{review.id}-{rater}.xlsx",
                key=f"{key}:download",
            )
    round_ = st.session_state.setdefault(PACK_ROUND, 0)
    upload = st.file_uploader(
        "Upload an edited pack (XLSX)",
        type=["xlsx"],
        key=f"visit:pack_upload:{review.id}:{round_}",
        max_upload_size=max(1, PACK_LIMIT // 1_000_000),
    )
    if upload is None:
        return
    content = upload.getvalue()
    try:
        with resources.reading() as session:
            checked = packs.check_pack(
                session, actor=resources.actor(), file_name=upload.name, content=content, review_id=review.id
            )
    except PackError as error:
        st.error(f"This pack has {len(error.problems)} problem(s); nothing was saved.", icon=":material/error:")
        st.markdown("\n".join(f"- {widgets.md(problem)}" for problem in error.problems[:100]))
        return
    except errors.Refused as error:
        widgets.show_error(error)
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Item": f"{row.item_number}. {row.name}",
                    "In the app": _short(row.app),
                    "In the pack": _short(row.pack),
                    "On saving": OUTCOME_WORDS[row.outcome],
                }
                for row in checked.rows
                if row.outcome != packs.SAME or row.pack != PackItem()
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        f"Case records: {OUTCOME_WORDS[checked.records]}. New evidence notes in the pack: {len(checked.pack.new_notes)}."
    )
    keep = {}
    for name in checked.conflicts:
        keep[name] = st.radio(
            f"{name.capitalize()}: changed in the app and in the pack since the pack was made",
            [packs.APP, packs.PACK],
            format_func={packs.APP: "Keep the app's", packs.PACK: "Take the pack's"}.__getitem__,
            index=None,
            horizontal=True,
            key=f"visit:pack_keep:{review.id}:{round_}:{name}",
        )
    if st.button("Save from the pack", type="primary", key=f"visit:pack_save:{review.id}:{round_}"):
        try:
            with resources.transaction() as session:
                packs.apply_pack(
                    session,
                    actor=resources.actor(),
                    file_name=upload.name,
                    content=content,
                    keep={k: v for k, v in keep.items() if v},
                    review_id=review.id,
                )
        except (errors.Refused, PackError) as error:
            widgets.show_error(error)
            return
        st.session_state[PACK_ROUND] = round_ + 1
        taken = len(checked.from_pack) + sum(v == packs.PACK for k, v in keep.items() if k.startswith("item"))
        flash(f"Saved from the pack: {taken} item(s), {len(checked.pack.new_notes)} new note(s).")
        st.rerun()
