"""Export and demo data (admins): the database for analysis (XLSX or CSV, no credentials), an encrypted backup, and
the demo data on or off."""

from datetime import date

import streamlit as st

from fidelity import demo, errors
from fidelity.store import backup, instance
from fidelity.ui import resources, widgets
from fidelity.ui.state import flash, show_flash

st.title("Export and demo data")
show_flash()
actor = resources.actor()

st.subheader("Export for analysis")
st.write(
    "Every table and row for analysts: services, reviews and ratings, plans, outcomes, users and the audit log. "
    "It holds no credentials (no password hashes, no demo passwords, no failed sign-ins), so it cannot be restored: "
    "make an encrypted backup for that."
)
left, right = st.columns(2)
engine = resources.engine()
if left.button("Prepare XLSX (one workbook)", key="data:xlsx", icon=":material/table:"):
    bar = st.progress(0.0, text="Exporting…")
    st.session_state["data:export"] = (
        backup.export_xlsx(engine, actor=actor, progress=lambda f, m: bar.progress(f, text=m)),
        "xlsx",
    )
    bar.empty()
if right.button("Prepare CSV (a ZIP of one file per table)", key="data:csv", icon=":material/folder_zip:"):
    with st.spinner("Exporting…"):
        st.session_state["data:export"] = (backup.export_csv_zip(engine, actor=actor), "zip")
prepared = st.session_state.get("data:export")
if prepared:
    content, kind = prepared
    st.download_button(
        f"Download the export ({len(content) / 1e6:.1f} MB, .{kind})",
        content,
        file_name=f"ips-fidelity-{date.today():%Y-%m-%d}.{kind}",
        mime="application/zip"
        if kind == "zip"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="data:download",
        icon=":material/download:",
    )

st.subheader("Encrypted backup")
st.write(
    "Everything, account passwords (as Argon2 hashes) included, encrypted with a passphrase you choose. It restores "
    "into an empty database only with that passphrase: `python -m fidelity restore FILE.ipsbackup`. Keep the "
    "passphrase somewhere other than the file (a password manager); without it the backup cannot be opened."
)
with st.form("data:backup"):
    passphrase = st.text_input(
        "Passphrase", type="password", key="data:backup:passphrase", help="At least 10 characters; not a common one."
    )
    again = st.text_input("Passphrase again", type="password", key="data:backup:again")
    made = st.form_submit_button("Prepare the encrypted backup", icon=":material/lock:")
if made:
    if passphrase != again:
        st.error("passphrase: the two passphrases differ", icon=":material/error:")
    else:
        try:
            with st.spinner("Backing up and encrypting…"):
                st.session_state["data:backup:sealed"] = backup.export_backup(
                    engine, actor=actor, passphrase=passphrase
                )
        except errors.Refused as error:
            widgets.show_error(error)
sealed_backup = st.session_state.get("data:backup:sealed")
if sealed_backup:
    st.download_button(
        f"Download the encrypted backup ({len(sealed_backup) / 1e6:.1f} MB)",
        sealed_backup,
        file_name=f"ips-fidelity-{date.today():%Y-%m-%d}{backup.BACKUP_SUFFIX}",
        mime="application/octet-stream",
        key="data:backup:download",
        icon=":material/download:",
    )

st.subheader("Demo data")
with resources.reading() as session:
    loaded = demo.demo_loaded(session)
if not loaded:
    st.write("Load synthetic demo services, reviews, plans, outcomes and one demo account per role.")
    if st.button("Load demo data", key="data:load_demo", icon=":material/science:"):
        summary = widgets.load_demo_data()
        if summary is not None:
            with resources.reading() as session:
                shown = instance.demo_sign_in(session).allowed
            accounts_note = (
                "the demo accounts (see the sign-in page)"
                if shown
                else "the demo accounts, which cannot sign in beside your own services unless you let them (below)"
            )
            flash(f"Demo data loaded: {summary.services} services and {accounts_note}.")
            st.rerun()
else:
    st.write(
        "Demo data is loaded. Removing it deletes every “Demo: …” service with its reviews, plans and outcomes, "
        "and the demo accounts. Your own services and accounts stay; the audit log keeps the record."
    )
    with resources.reading() as session:
        demo_accounts = instance.demo_sign_in(session)
    if demo_accounts.real_services:
        st.markdown("**Demo accounts beside your own services**")
        if demo_accounts.switched_on:
            st.warning(
                "The demo accounts can sign in, and the sign-in page shows their passwords to anyone who can reach "
                "this app.",
                icon=":material/warning:",
            )
            if st.button("Stop the demo accounts signing in", key="data:demo_sign_in:off"):
                widgets.save_then_rerun(
                    lambda session: instance.set_demo_sign_in(session, actor=actor, on=False),
                    "The demo accounts can no longer sign in; their passwords are no longer shown.",
                )
        else:
            st.write(
                f"This database holds {demo_accounts.real_services} service(s) of your own, so the demo accounts "
                "cannot sign in and their passwords are not shown."
            )
            allow = st.checkbox(
                "I understand that anyone who can reach this app could then sign in as a demo reviewer, service "
                "lead or commissioner (the sign-in page shows the passwords) and see what those roles see, which "
                "can include your own services' final reviews",
                key="data:demo_sign_in:confirm",
            )
            if st.button("Let the demo accounts sign in", disabled=not allow, key="data:demo_sign_in:on"):
                widgets.save_then_rerun(
                    lambda session: instance.set_demo_sign_in(session, actor=actor, on=True),
                    "The demo accounts can sign in; the sign-in page shows their passwords.",
                )
    sure = st.checkbox("Yes, remove all the demo data", key="data:remove_demo:confirm")
    if st.button("Remove demo data", disabled=not sure, key="data:remove_demo", icon=":material/delete:"):
        with st.spinner("Removing the demo data…"), resources.transaction() as session:
            removed = demo.remove_demo(session, actor=actor)
        flash(f"Demo data removed: {removed} services and the demo accounts.")
        st.rerun()
