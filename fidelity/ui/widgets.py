"""Small display helpers shared by the pages."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from fidelity import errors, files, imports, text
from fidelity.scale_versions import mixed_versions_note
from fidelity.scales import SCORES, Item, Scale
from fidelity.ui.state import Keys

if TYPE_CHECKING:
    from fidelity.demo import DemoSummary

PROVISIONAL = "Provisional"


def item_title(item: Item) -> str:
    flag = f" · {PROVISIONAL}" if item.provisional else ""
    return f"{item.number}. {item.name} ({item.code}){flag}"


def provisional_warning(scale: Scale) -> None:
    count = sum(item.provisional for item in scale.items)
    if count:
        st.warning(
            f"{count} of {len(scale.items)} items on {scale.id} v{scale.version} have provisional criteria: "
            "written from the IPS literature but not yet checked against the published scale. "
            "They are marked “Provisional”.",
            icon=":material/warning:",
        )


def request_selection(key: str, value: object) -> None:
    """Ask the picker `key` to show `value` on the next run (a widget cannot change once drawn)."""
    st.session_state[f"_select:{key}"] = value


def remembered_select(
    label: str,
    options: list[Any],
    *,
    key: str,
    wanted: object,
    format_func: Callable[[Any], str],
    placeholder: str = "Choose an option",
) -> Any:
    """A selectbox whose value the code sets through session state before it is drawn.

    Setting state (rather than `index`) keeps the browser and the server in step when the code,
    not the user, changes the choice.
    """
    requested = st.session_state.pop(f"_select:{key}", None)
    if requested in options:
        st.session_state[key] = requested
    elif st.session_state.get(key) not in options:
        st.session_state[key] = wanted if wanted in options else None
    chosen = st.selectbox(label, options, index=None, format_func=format_func, key=key, placeholder=placeholder)
    # The browser sends back the option's label; a label that changed since it was drawn matches nothing.
    return chosen if chosen in options else None


def chosen_review(
    labels: dict[int, str], *, key: str, default: int, label: str = "Review", prompt: str | None = None
) -> int:
    """Pick a review (`labels`: id -> text), remembered across pages; stops the page while none is chosen."""
    wanted = st.session_state.get(Keys.REVIEW_ID)
    review_id = remembered_select(
        label, list(labels), key=key, wanted=wanted if wanted in labels else default, format_func=labels.__getitem__
    )
    st.session_state[Keys.REVIEW_ID] = review_id
    if review_id is None:
        if prompt:
            st.info(prompt)
        st.stop()
    return int(review_id)


def score_radio(
    label: str,
    item: Item,
    score: int | None,
    *,
    key: str,
    on_change: Callable[..., Any] | None = None,
    args: tuple[Any, ...] = (),
) -> None:
    """The 1-5 choice with each score's criteria as its text."""
    st.radio(
        label,
        list(SCORES),
        index=score - 1 if score else None,
        format_func=lambda s: f"{s} — {md(item.criteria[s])}",
        key=key,
        on_change=on_change,
        args=args,
    )


def service_picker(services: pd.DataFrame, *, key: str) -> int | None:
    """Choose a service; the choice is remembered across pages."""
    ids = [int(i) for i in services["id"]]
    labels = dict(zip(ids, services["Service"] + " — " + services["Area"], strict=True))
    chosen = remembered_select(
        "Service",
        ids,
        key=key,
        wanted=st.session_state.get(Keys.SERVICE_ID),
        format_func=labels.__getitem__,
        placeholder="Choose a service",
    )
    st.session_state[Keys.SERVICE_ID] = chosen
    return chosen


def entered_fields(key_of: Callable[[str], str], fields: dict[str, str]) -> dict[str, Any]:
    """Values of the widgets on screen, by model field (`fields`: field -> widget name).

    A widget the browser has not reported yet is left out, so a save keeps its stored value.
    """
    return {field: st.session_state[key_of(name)] for field, name in fields.items() if key_of(name) in st.session_state}


def chosen_service(*, key: str, prompt: str = "Choose a service.") -> int:
    """The service a page is about; stops the page with a hint when there is none, or none is chosen yet."""
    from fidelity.ui import navigation, resources

    services = resources.services_frame(resources.database_url())
    if services.empty:
        if resources.actor().is_admin:
            st.info("There are no services yet. Add a service first, or load the demo data from Home.")
            st.page_link(navigation.SERVICES, label="Go to services", icon=":material/apartment:")
        else:
            st.info("No service is open to you yet. An admin gives you access to your services or reviews.")
        st.stop()
    service_id = service_picker(services, key=key)
    if service_id is None:
        st.info(prompt)
        st.stop()
    return service_id


def finalise_section(review_id: int, *, confirm: str, key: str) -> None:
    """The confirm box and button that lock a review, with the refusal shown when it is not complete."""
    from fidelity import errors
    from fidelity.store import reviews
    from fidelity.ui import resources
    from fidelity.ui.state import flash

    confirmed = st.checkbox(confirm, key=f"{key}:{review_id}:confirm")
    if st.button("Finalise review", type="primary", disabled=not confirmed, key=f"{key}:finalise"):
        try:
            with resources.transaction() as session:
                final = reviews.finalise_review(session, actor=resources.actor(), review_id=review_id)
        except errors.Refused as error:
            show_error(error)
        else:
            flash(f"Review finalised: total {final.total}, {final.band}. It is now locked.")
            st.rerun()


def load_demo_data() -> DemoSummary | None:
    """Load the demo data with a progress bar; its summary, or None (and a note) when it is already loaded."""
    from fidelity import demo
    from fidelity.ui import resources

    bar = st.progress(0.0, text="Loading demo data…")
    try:
        with resources.transaction() as session:
            return demo.load_demo(
                session,
                scales=resources.scales(),
                actor=resources.actor(),
                progress=lambda fraction, message: bar.progress(fraction, text=message),
            )
    except demo.DemoAlreadyLoaded as error:
        st.info(str(error).capitalize() + ".")
        return None


def mixed_versions_notice(used: Iterable[Scale]) -> None:
    """Say so when totals from different scales or versions meet on a page, and which items differ."""
    note = mixed_versions_note(used)
    if note:
        st.info(note, icon=":material/info:")


def csv_download(label: str, frame: pd.DataFrame, *, file_name: str, key: str, index: bool = False) -> None:
    """A table as a CSV download, written by the one shared writer (user text stays text: fidelity.files). The file
    is written when the button is pressed, not on every run of the page."""

    def written() -> bytes:
        return files.frame_csv(frame, index=index)

    st.download_button(label, written, file_name=file_name, mime="text/csv", key=key)


def shorten(text: str, limit: int = 40) -> str:
    """Text cut to `limit` characters with an ellipsis, for a label where the whole of it is in a table."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def day_column() -> Any:
    """A date column shown as 7 Mar 2026."""
    return st.column_config.DateColumn(format="D MMM YYYY")


def table_with_download(
    frame: pd.DataFrame, *, label: str, file_name: str, key: str, column_config: dict[str, Any] | None = None
) -> None:
    """A table, then the same rows as a CSV download (the shared writer)."""
    st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config)
    csv_download(label, frame, file_name=file_name, key=key)


def upload_with_template(
    label: str, template: bytes, template_name: str, *, key: str, row_limit: int = imports.ROW_LIMIT
) -> Any:
    """A template to download, then the uploader for the filled-in file (CSV or XLSX)."""
    st.download_button(
        "Download a template (CSV)",
        template,
        file_name=template_name,
        mime="text/csv",
        key=f"{key}:template",
        icon=":material/download:",
    )
    megabytes = imports.FILE_LIMIT // 1_000_000
    return st.file_uploader(
        label,
        type=["csv", "xlsx"],
        key=f"{key}:file",
        max_upload_size=megabytes,
        help=f"At most {megabytes} MB and {row_limit:,} rows.",
    )


def problems_table(problems: list[Any], total: int) -> None:
    """A refused file's problems as kept (the first 100), one row each: row, column, message."""
    if total > len(problems):
        st.caption(f"The first {len(problems)} of {total:,} problems are listed.")
    st.dataframe(
        pd.DataFrame([vars(p) for p in problems]).rename(columns=str.capitalize), hide_index=True, width="stretch"
    )


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")
# Streamlit's Markdown links bare web and email addresses even when escaped (GitHub-flavoured
# autolinks): an invisible word joiner inside "http:", "www." and after "@" stops it.
_AUTOLINKS = re.compile(r"(?i)(\b(?:https?|ftp)(?=\\:)|\bwww(?=\\\.)|@)")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """User text made safe to put inside Markdown: shown as typed, never as links, images or markup."""
    return _AUTOLINKS.sub(lambda m: m.group(1) + WORD_JOINER, _MARKDOWN_SPECIALS.sub(r"\\\1", str(text)))


def show_error(error: Exception) -> None:
    st.error(md(error), icon=":material/error:")


def save_then_rerun(write: Callable[[Any], Any], done: str) -> None:
    """Run `write(session)` in one transaction; on success show `done` on the next run, else the refusal."""
    from fidelity.ui import resources
    from fidelity.ui.state import flash

    try:
        with resources.transaction() as session:
            write(session)
    except errors.Refused as error:
        show_error(error)
    else:
        flash(done)
        st.rerun()


def seen_version(key: str, current: int) -> int:
    """The version of a row as this user last saw it drawn: what a save from this run must expect.

    Pages call `mark_seen` after drawing (when nothing was submitted) and after their own saves, so a
    conflict means someone else saved in between.
    """
    return int(st.session_state.get(f"_seen:{key}", current))


def mark_seen(key: str, version: int) -> None:
    st.session_state[f"_seen:{key}"] = version


def date_field(label: str, value: date | None, *, key: str, where: Any = st) -> str:
    """A date typed into one text box (the day and month boxes of Streamlit's date field are too small to tap);
    read it with `entered_date` where the form is handled, so a mistyped date is refused by name."""
    return where.text_input(f"{label} ({text.DATE_FORMAT})", value=text.date_text(value), max_chars=10, key=key)


def entered_date(label: str, typed: str, *, required: bool = True) -> date | None:
    try:
        day = text.typed_date(typed)
    except ValueError as problem:
        raise errors.InputError(f"{label}: {problem}") from None
    if day is None and required:
        raise errors.InputError(f"{label}: enter a date as {text.DATE_FORMAT}")
    return day


def chart(figure: Any, *, key: str, table: pd.DataFrame | None = None, file_name: str | None = None) -> None:
    """A Plotly chart named for screen readers by its title; with `table`, its figures in a table view below
    (and as CSV with `file_name`), so nothing is told by the picture alone."""
    title = html.unescape(re.sub(r"<br>.*", "", str(figure.layout.title.text or "Chart")))
    where = "in the table view below it" if table is not None else "also in a table on this page"
    st.plotly_chart(figure, key=key, width="stretch", alt=f"Chart: {title}. Its figures are {where}.")
    if table is not None:
        view = st.expander("Table view", key=f"{key}:table", on_change="rerun")
        with view:
            if view.open:  # sent only when opened: a closed expander's table still costs its data and drawing
                st.dataframe(table, hide_index=True, width="stretch")
        if file_name:
            csv_download("Download as CSV", table, file_name=file_name, key=f"{key}:csv")


def section_table(subtotals: Mapping[str, int], maxima: Mapping[str, int]) -> pd.DataFrame:
    """The section-subtotals chart's figures."""
    return pd.DataFrame(
        {"Section": list(subtotals), "Score": list(subtotals.values()), "Maximum": [maxima[s] for s in subtotals]}
    )


def principle_table(
    profile: Mapping[str, float | None], previous: Mapping[str, float | None] | None = None
) -> pd.DataFrame:
    """The principle-profile chart's figures, with the previous final review's beside them when given."""
    table = pd.DataFrame({"Principle": list(profile), "Mean item score": list(profile.values())})
    if previous:
        table["Previous final review"] = [previous.get(p) for p in profile]
    return table
