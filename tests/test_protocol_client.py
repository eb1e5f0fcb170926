"""The many-users benchmark's sessions speak Streamlit's protocol to a real `streamlit run`, as a browser tab does."""

from __future__ import annotations

from pathlib import Path

import pytest

from fidelity.store.access import Role
from fidelity.ui import app_server, browser_bench
from fidelity.ui.protocol_client import ProtocolError, StreamlitSession

from .conftest import demo_database, run_async


def test_session__signs_in_chooses_a_service_and_opens_pages(tmp_path: Path) -> None:
    url = demo_database(tmp_path)
    chosen = browser_bench.prepare(url)
    admin, lead = chosen.accounts[Role.ADMIN], chosen.accounts[Role.SERVICE_LEAD]
    process, app_url = app_server.start_app(url, tmp_path / "app.log")

    async def visit() -> None:
        stranger = StreamlitSession(app_url)
        await stranger.connect()
        refused = await stranger.sign_in(admin.username, "not the password")
        assert "Home" not in stranger.pages and refused.elements["alert"] >= 1  # still the sign-in form, with why
        await stranger.close()

        person = StreamlitSession(app_url)
        await person.connect()
        await person.sign_in(admin.username, admin.password)
        assert {"Home", "Compare sites", "Users"} <= set(person.pages)
        await person.run("Service history")
        with pytest.raises(ProtocolError, match="Service: no option 'Nowhere'"):
            await person.choose("Service", "Nowhere")
        await person.choose("Service", chosen.service_label)
        summary = await person.run("Review summary")
        assert summary.elements["plotly_chart"] >= 2 and not summary.exceptions  # the chosen service's review
        assert summary.milliseconds > 0 and summary.received > 1000
        await person.close()

        service_lead = StreamlitSession(app_url)
        await service_lead.connect()
        await service_lead.sign_in(lead.username, lead.password)
        assert "Users" not in service_lead.pages and "Improvement plan" in service_lead.pages
        await service_lead.close()

    try:
        run_async(visit())
    finally:
        app_server.stop_app(process)
