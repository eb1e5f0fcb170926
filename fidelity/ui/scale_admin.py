"""The Scales page's parts: publishing a checked, previewed and compared upload; verifying items; retiring."""

from __future__ import annotations

import functools
from datetime import date

import pandas as pd
import streamlit as st

from fidelity import errors, scale_files, scale_workbook
from fidelity.scale_versions import differences
from fidelity.scales import DATA_SOURCE_LABELS, Scale, ScaleFileError, describe
from fidelity.store import published_scales, shared
from fidelity.store.published_scales import PublicationRow
from fidelity.ui import resources, widgets
from fidelity.ui.item_panel import ItemPanel
from fidelity.ui.state import flash

UPLOAD_ROUND = "scales:upload_round"
PROBLEMS_SHOWN = 100


def versions_table(listed: list[PublicationRow]) -> None:
    if not listed:
        st.info("No scale is published yet. Publish one below.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Scale": row.scale_id,
                    "Version": row.version,
                    "Status": row.status,
                    "Published": row.published_at.astimezone().strftime("%d %b %Y %H:%M"),
                    "By": row.published_by,
                    "Items": row.items,
                    "Provisional": row.provisional,
                    "Verified": row.verified,
                    "Reviews": row.reviews,
                }
                for row in listed
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "New reviews use each scale's **current** version. Reviews keep the version they started on; "
        "a draft nobody has scored yet can move to the current version from the review workspace."
    )


def _label(row: PublicationRow) -> str:
    return f"{row.scale_id} version {row.version} ({row.status})"


def downloads(listed: list[PublicationRow]) -> None:
    """The blank template, and any published version as a workbook or YAML to edit and publish anew."""
    st.markdown("**Start from a template or a published version**")
    st.download_button(
        "Download the blank template (XLSX)",
        scale_workbook.write_workbook,  # made when clicked, not on every run
        file_name="scale-template.xlsx",
        key="scales:template",
    )
    if not listed:
        return
    chosen = st.selectbox("Published version", listed, format_func=_label, key="scales:download_version", index=0)
    scale = resources.pinned_scales([chosen.content_hash])[chosen.content_hash]
    mapping = scale_files.scale_mapping(scale)
    name = f"{chosen.scale_id}-{chosen.version}"
    left, right = st.columns(2)
    left.download_button(
        "Download as a workbook (XLSX)",
        functools.partial(scale_workbook.write_workbook, mapping),
        file_name=f"{name}.xlsx",
        key="scales:xlsx",
    )
    right.download_button(
        "Download as YAML",
        functools.partial(scale_files.yaml_text, mapping),
        file_name=f"{name}.yaml",
        key="scales:yaml",
    )
    st.caption("Change the version, edit, then upload the file below to check and publish it.")


def _problems(error: ScaleFileError) -> None:
    problems = str(error).splitlines()
    st.error(
        f"This file has {len(problems)} problem(s), so it cannot be published. Correct them and upload it again.",
        icon=":material/error:",
    )
    st.markdown("\n".join(f"- {widgets.md(problem)}" for problem in problems[:PROBLEMS_SHOWN]))
    if len(problems) > PROBLEMS_SHOWN:
        st.caption(f"The first {PROBLEMS_SHOWN} of {len(problems)} problems are shown.")


def publish_section() -> None:
    """Upload a scale; see its problems, or preview it and its changes, then publish it."""
    round_ = st.session_state.setdefault(UPLOAD_ROUND, 0)
    upload = st.file_uploader(
        "Upload a scale (YAML or XLSX)",
        type=["yaml", "yml", "xlsx"],
        key=f"scales:upload:{round_}",
        max_upload_size=max(1, scale_files.SCALE_FILE_LIMIT // 1_000_000),
        help=f"At most {scale_files.SCALE_FILE_LIMIT // 1_000_000} MB. Check a file first from the command line "
        "with: python -m fidelity scale-check FILE",
    )
    if upload is None:
        return
    content = upload.getvalue()
    try:
        with resources.reading() as session:
            checked = published_scales.check_upload(
                session, actor=resources.actor(), file_name=upload.name, content=content
            )
    except ScaleFileError as error:
        _problems(error)
        return
    scale = checked.scale
    st.success(f"No problems found: {widgets.md(describe(scale))}.", icon=":material/check_circle:")
    if checked.refusal:
        widgets.show_error(errors.InputError(checked.refusal))
    changes_title = f"Changes from version {checked.replaces.version}" if checked.replaces else "Changes (a new scale)"
    preview_tab, changes_tab = st.tabs(["Preview as reviewers see it", changes_title])
    with preview_tab:
        preview(scale)
    with changes_tab:
        changes(checked.replaces, scale)
    if checked.refusal:
        return
    confirmed = st.checkbox(
        f"I have read the preview and the changes; publish {scale.id} version {scale.version}",
        key=f"scales:confirm:{round_}",
    )
    if st.button(
        f"Publish version {scale.version}", type="primary", disabled=not confirmed, key=f"scales:publish:{round_}"
    ):
        try:
            with resources.transaction() as session:
                published_scales.publish(session, actor=resources.actor(), file_name=upload.name, content=content)
        except (errors.Refused, ScaleFileError) as error:
            widgets.show_error(error)
            return
        st.session_state[UPLOAD_ROUND] = round_ + 1
        flash(f"Published {scale.id} version {scale.version}. New reviews on {scale.id} use it from now on.")
        st.rerun()


def preview(scale: Scale) -> None:
    """Any item exactly as the review workspace shows it (nothing is saved), and the scale's frame."""
    widgets.provisional_warning(scale)
    with st.expander("Bands, sections and principles"):
        st.dataframe(
            pd.DataFrame([{"Band": b.label, "From": b.min, "To": b.max} for b in scale.bands]), hide_index=True
        )
        st.dataframe(
            pd.DataFrame(
                [{"Section": s.title, "Items": sum(i.section == s.id for i in scale.items)} for s in scale.sections]
            ),
            hide_index=True,
        )
        st.dataframe(
            pd.DataFrame([{"Principle": p.number, "Title": p.title, "Summary": p.summary} for p in scale.principles]),
            hide_index=True,
        )
    number = st.selectbox(
        "Item",
        [item.number for item in scale.items],
        format_func=lambda n: widgets.item_title(scale.item(n)),
        key="scales:preview_item",
    )
    panel = ItemPanel(
        review_id=0, rater=f"preview:{scale.content_hash[:12]}", scale=scale, actor=resources.actor(), live=False
    )
    panel.preview(number or 1)
    st.caption(f"Data sources: {', '.join(f'{code} = {text}' for code, text in DATA_SOURCE_LABELS.items())}.")


def changes(old: Scale | None, new: Scale) -> None:
    """Every change from the version it would replace: items, criteria, thresholds, bands, principles."""
    if old is None:
        st.info(f"No version of {new.id} is published yet: this would be its first.")
        return
    found = differences(old, new)
    if not found:
        st.info(f"Nothing differs from version {old.version} but the version itself.")
        return
    changed_items = sorted({d.part for d in found if d.part.startswith("item ")})
    st.caption(f"{len(found)} change(s) from {old.id} version {old.version}; {len(changed_items)} item(s) changed.")
    frame = pd.DataFrame([{"Part": d.part, "What": d.what, "Before": d.before, "After": d.after} for d in found])
    st.dataframe(frame, hide_index=True, width="stretch")
    widgets.csv_download(
        "Download the changes (CSV)", frame, file_name=f"{new.id}-{new.version}-changes.csv", key="scales:changes_csv"
    )


def verify_section(listed: list[PublicationRow]) -> None:
    """Record that an item's criteria were checked against a named source; list each item's status."""
    if not listed:
        return
    chosen = st.selectbox("Version", listed, format_func=_label, key="scales:verify_version", index=0)
    with resources.reading() as session:
        scale = published_scales.published_scale(session, chosen.scale_id, chosen.version)
        status = shared.criteria_status(session, chosen.content_hash, scale)
    st.dataframe(
        pd.DataFrame([{"Item": f"{i.number}. {i.name}", "Criteria": status[i.number]} for i in scale.items]),
        hide_index=True,
        width="stretch",
    )
    unverified = [n for n, text in status.items() if not text.startswith("Verified")]
    if not unverified:
        st.success("Every item of this version is verified.", icon=":material/verified:")
        return
    with st.form("verify_item", clear_on_submit=True):
        number = st.selectbox(
            "Item checked", unverified, format_func=lambda n: widgets.item_title(scale.item(n)), key="verify:item"
        )
        title = st.text_input(
            "Source: title", max_chars=300, key="verify:title", placeholder="e.g. the fidelity manual's title"
        )
        left, middle, right = st.columns(3)
        edition = left.text_input("Edition or date", max_chars=120, key="verify:edition")
        page = middle.text_input("Page (optional)", max_chars=40, key="verify:page")
        checked_on = widgets.date_field("Checked on", date.today(), key="verify:date", where=right)
        submitted = st.form_submit_button("Record the verification", type="primary")
    if submitted:
        widgets.save_then_rerun(
            lambda session: published_scales.verify_item(
                session,
                actor=resources.actor(),
                scale_id=chosen.scale_id,
                version=chosen.version,
                data={
                    "item_number": number,
                    "source_title": title,
                    "source_edition": edition,
                    "source_page": page,
                    "checked_on": widgets.entered_date("Checked on", checked_on),
                },
            ),
            f"Item {number} of {chosen.scale_id} version {chosen.version} is verified; it is no longer provisional.",
        )


def retire_section(listed: list[PublicationRow]) -> None:
    """Retire a version after saying what follows; nothing already using it changes."""
    active = [row for row in listed if row.status != "retired"]
    if not active:
        st.info("There is no version to retire.")
        return
    chosen = st.selectbox("Version to retire", active, format_func=_label, key="scales:retire_version", index=None)
    if chosen is None:
        return
    others = [r for r in active if r.scale_id == chosen.scale_id and r.version != chosen.version]
    after = (
        f"New reviews on {chosen.scale_id} will use version {others[0].version}."
        if chosen.status == "current" and others
        else f"No new review can use {chosen.scale_id} until a version is published."
        if chosen.status == "current"
        else "The current version does not change."
    )
    st.warning(
        f"{chosen.reviews} review(s) use this version and keep it. {after} A retired version cannot be brought back.",
        icon=":material/warning:",
    )
    confirmed = st.checkbox(f"Retire {chosen.scale_id} version {chosen.version}", key="scales:retire_confirm")
    if st.button("Retire this version", disabled=not confirmed, key="scales:retire"):
        widgets.save_then_rerun(
            lambda session: published_scales.retire(
                session, actor=resources.actor(), scale_id=chosen.scale_id, version=chosen.version
            ),
            f"Retired {chosen.scale_id} version {chosen.version}.",
        )
