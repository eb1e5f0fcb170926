"""Services: the list with each service's latest total and band; add and edit."""

from collections.abc import Callable

import streamlit as st

from fidelity import errors
from fidelity.models import Service
from fidelity.store import services
from fidelity.ui import resources, widgets
from fidelity.ui.state import Keys, flash, show_flash

st.title("Services")
show_flash()

with resources.reading() as session:
    programmes = {p.id: p.name for p in services.list_programmes(session)}
    areas = {a.id: a.name for a in services.list_areas(session)}
services_table = resources.services_frame(resources.database_url())

is_admin = resources.actor().is_admin
if is_admin:
    list_tab, add_tab, edit_tab, setup_tab = st.tabs(
        ["All services", "Add a service", "Edit a service", "Programmes and areas"]
    )
else:
    (list_tab,) = st.tabs(["Your services"])

with list_tab:
    if services_table.empty:
        st.info("No services yet. Add one in “Add a service”, after adding its programme and area.")
    else:
        search = st.text_input("Search by service, provider or area", key="services:search")
        shown = services_table
        if search.strip():
            needle = search.strip().lower()
            text = (
                services_table["Service"] + " " + services_table["Provider"] + " " + services_table["Area"]
            ).str.lower()
            shown = services_table[text.str.contains(needle, regex=False)]
        st.caption(
            f"{len(shown)} of {len(services_table)} services. Totals and bands are from each service's latest final "
            "independent review (guided self-assessments are not counted here)."
        )
        spanning = shown[shown["scale_hashes"].notna()]
        if not spanning.empty:
            hashes = {h for pair in spanning["scale_hashes"] for h in pair}
            widgets.mixed_versions_notice(resources.pinned_scales(hashes).values())
            st.caption(
                "The change compares two scale versions for: "
                + widgets.md(", ".join(spanning["Service"].head(20)))
                + (f" and {len(spanning) - 20} more" if len(spanning) > 20 else "")
                + "."
            )
        st.dataframe(
            shown.drop(columns=["id", "is_demo", "scale_hashes"]),
            hide_index=True,
            width="stretch",
            column_config={
                "Latest review": st.column_config.DateColumn(format="D MMM YYYY"),
                "Total": st.column_config.NumberColumn(help="Sum of the 25 item scores (25-125)"),
                "Change": st.column_config.NumberColumn(
                    help="Total now minus the total at the previous final review", format="%+d"
                ),
                "In progress": st.column_config.NumberColumn(help="Reviews started but not final"),
            },
        )


def _service_form(form_key: str, *, defaults: dict[str, object], submit_label: str) -> dict[str, object] | None:
    """The add/edit form; returns the entered values when submitted."""
    programme_ids, area_ids = list(programmes), list(areas)
    with st.form(form_key, clear_on_submit=False):
        name = st.text_input("Service name", value=str(defaults.get("name", "")), max_chars=160, key=f"{form_key}:name")
        provider = st.text_input(
            "Provider", value=str(defaults.get("provider", "")), max_chars=160, key=f"{form_key}:provider"
        )
        programme_id = st.selectbox(
            "Programme",
            programme_ids,
            format_func=programmes.__getitem__,
            key=f"{form_key}:programme",
            index=programme_ids.index(defaults["programme_id"])
            if defaults.get("programme_id") in programme_ids
            else None,
        )
        area_id = st.selectbox(
            "Area",
            area_ids,
            format_func=areas.__getitem__,
            key=f"{form_key}:area",
            index=area_ids.index(defaults["area_id"]) if defaults.get("area_id") in area_ids else None,
        )
        if not st.form_submit_button(submit_label, type="primary"):
            return None
    return {"name": name, "provider": provider, "programme_id": programme_id, "area_id": area_id}


def _missing_choice(values: dict[str, object]) -> str | None:
    if values["programme_id"] is None:
        return "programme: choose the programme that funds the service"
    if values["area_id"] is None:
        return "area: choose the area the service works in"
    return None


def _submit_service(values: dict[str, object], save: Callable[..., Service], done: str) -> None:
    """Check the choices, save in one transaction, then rerun with a message; errors name the field."""
    problem = _missing_choice(values)
    if problem:
        st.error(problem, icon=":material/error:")
        return
    try:
        with resources.transaction() as session:
            service = save(session)
    except errors.Refused as error:
        widgets.show_error(error)
        return
    st.session_state[Keys.SERVICE_ID] = service.id
    widgets.request_selection("services:edit_picker", service.id)  # its label may have changed
    flash(done.format(name=widgets.md(service.name)))
    st.rerun()


if not is_admin:
    st.stop()

with add_tab:
    if not programmes or not areas:
        st.info("Add at least one programme and one area first, in “Programmes and areas”.")
    else:
        values = _service_form("add_service", defaults={}, submit_label="Add service")
        if values is not None:
            _submit_service(
                values,
                lambda session: services.create_service(session, actor=resources.actor(), data=values),
                "Added service “{name}”.",
            )

with edit_tab:
    if services_table.empty:
        st.info("There is no service to edit yet.")
    else:
        service_id = widgets.service_picker(services_table, key="services:edit_picker")
        if service_id is not None:
            with resources.reading() as session:
                current = services.get_service(session, service_id, actor=resources.actor())
            seen = widgets.seen_version(f"service:{service_id}", current.version)
            values = _service_form(
                f"edit_service:{service_id}", defaults=current.model_dump(), submit_label="Save changes"
            )
            if values is not None:
                _submit_service(
                    values,
                    lambda session: services.update_service(
                        session, actor=resources.actor(), service_id=service_id, data=values, expected_version=seen
                    ),
                    "Saved changes to “{name}”.",
                )
            widgets.mark_seen(f"service:{service_id}", current.version)

with setup_tab:
    st.write(
        "Programmes fund services (for example IPSPC or Connect to Work); areas are local or combined authorities."
    )
    left, right = st.columns(2)
    for column, kind, create in (
        (left, "programme", services.create_programme),
        (right, "area", services.create_area),
    ):
        with column, st.form(f"add_{kind}", clear_on_submit=True):
            st.markdown(f"**Add a {kind}**")
            name = st.text_input(f"{kind.capitalize()} name", max_chars=120, key=f"add_{kind}:name")
            if st.form_submit_button(f"Add {kind}"):
                try:
                    with resources.transaction() as session:
                        create(session, actor=resources.actor(), name=name)
                    flash(f"Added {kind} “{widgets.md(name.strip())}”.")
                    st.rerun()
                except errors.Refused as error:
                    widgets.show_error(error)
        names = programmes if kind == "programme" else areas
        column.caption(
            f"{len(names)} {kind}s: " + (", ".join(widgets.md(n) for n in names.values()) if names else "none yet")
        )
