"""An unexpected error reaches a person as a short message with an error id, never a traceback or a server path;
the log keeps the rest. Streamlit's own error display is set to show nothing more."""

from __future__ import annotations

import logging
import re
import tomllib

import pytest

from fidelity import imports
from fidelity.ui import navigation, resources

from ..conftest import ROOT
from .conftest import open_app
from .test_pages import _service

SECRET_PATH = "/srv/ips-fidelity/data/fidelity.db"


def test_page_fails_unexpectedly__error_id_shown__details_only_in_the_log(
    app_db: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise OverflowError(f"Python int too large to convert to SQLite INTEGER ({SECRET_PATH})")

    _service(app_db)
    monkeypatch.setattr(resources, "reviews_due", broken)
    with caplog.at_level(logging.ERROR, logger="fidelity"):
        at = open_app()  # Home lists the reviews due
        at.switch_page(navigation.HOME).run()
    assert not at.exception, at.exception  # nothing escaped to Streamlit's traceback display
    shown = " ".join(e.value for e in at.error)
    match = re.search(r"error id \*\*([0-9a-f]{8})\*\*", shown)
    assert match and SECRET_PATH not in shown and "OverflowError" not in shown and "Traceback" not in shown
    logged = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info and SECRET_PATH in str(logged[0].exc_info[1])


def test_config__no_error_details__uploads_capped_at_the_import_limit() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["maxUploadSize"] == imports.FILE_LIMIT // 1_000_000
