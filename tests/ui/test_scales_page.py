"""The Scales page (admins): upload, problems, preview, changes, publish, verify, retire; moving a draft to a new version."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
from sqlmodel import Session

from fidelity import db, scale_workbook
from fidelity.models import Review
from fidelity.scale_files import load_scales, scale_mapping
from fidelity.ui import navigation

from ..conftest import ACTOR, SCALES_DIR
from .conftest import open_app
from .test_pages import _review, _service, shown

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(
    version: str = "2008-uk.3", *, drop_criterion: bool = False, name: str = "Caseload size, re-counted"
) -> bytes:
    mapping = scale_mapping(load_scales(SCALES_DIR)["ips-25"])
    mapping["version"] = version
    mapping["items"][0]["name"] = name
    content = scale_workbook.write_workbook(mapping)
    if not drop_criterion:
        return content
    book = openpyxl.load_workbook(io.BytesIO(content))
    book["criteria"]["E5"] = None  # item 4, score 4
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(at, content: bytes, round_: int = 0, name: str = "ips-25-next.xlsx"):
    at.file_uploader(key=f"scales:upload:{round_}").set_value((name, content, XLSX)).run()
    assert not at.exception, at.exception
    return at


def _versions(at) -> list[tuple[str, str, str]]:
    table = at.dataframe[0].value
    return list(zip(table["Scale"], table["Version"], table["Status"], strict=True))


def test_scales_page__lists_the_shipped_scales_as_current(app_db: str) -> None:
    at = open_app(navigation.SCALES)
    assert set(_versions(at)) == {("ips-25", "2008-uk.2", "current"), ("ipspc", "2026.2", "current")}
    assert at.dataframe[0].value.set_index("Scale").loc["ips-25", "Provisional"] == 22


def test_scales_page__problem_named_then_fixed_previewed_compared_and_published(app_db: str) -> None:
    at = _upload(open_app(navigation.SCALES), _workbook(drop_criterion=True))
    assert shown(at.error[0].value).startswith("This file has 1 problem(s), so it cannot be published.")
    assert any(
        shown(m.value)
        == "- ips-25-next.xlsx: item 4 (team_assignment).criteria: missing criteria for score 4 (sheet criteria, row 5)"
        for m in at.markdown
    )
    assert not any(b.key == "scales:publish:0" for b in at.button)

    at = _upload(at, _workbook())
    assert "No problems found: ips-25 version 2008-uk.3" in shown(at.success[0].value)
    assert any(shown(m.value) == "### 1. Caseload size, re-counted (S1)" for m in at.markdown)  # the preview
    assert at.radio(key="ws:0:preview:" + _hash_prefix(at) + ":1:score").options[0].startswith("1 — ")
    changes = next(d.value for d in at.dataframe if "Part" in d.value.columns)
    assert changes.to_dict("records")[:2] == [
        {"Part": "scale", "What": "version", "Before": "2008-uk.2", "After": "2008-uk.3"},
        {
            "Part": "item 1 (caseload_size)",
            "What": "name",
            "Before": "Caseload size",
            "After": "Caseload size, re-counted",
        },
    ]
    assert at.button(key="scales:publish:0").disabled
    at.checkbox(key="scales:confirm:0").check().run()
    at.button(key="scales:publish:0").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Published ips-25 version 2008-uk.3.")
    assert {("ips-25", "2008-uk.3", "current"), ("ips-25", "2008-uk.2", "older")} <= set(_versions(at))

    at = _upload(at, _workbook(), round_=1)
    assert "ips-25 version 2008-uk.3 is already published" in shown(at.error[0].value)
    assert not any(b.key == "scales:publish:1" for b in at.button)


def _hash_prefix(at) -> str:
    key = next(r.key for r in at.radio if r.key.startswith("ws:0:preview:"))
    return key.split(":")[3]


def test_scales_page__verify_an_item__no_longer_provisional(app_db: str) -> None:
    at = open_app(navigation.SCALES)
    at.selectbox(key="scales:verify_version").select_index(
        next(i for i, row in enumerate(at.selectbox(key="scales:verify_version").options) if row.startswith("ips-25"))
    ).run()
    at.selectbox(key="verify:item").set_value(4)
    at.text_input(key="verify:title").input("IPS fidelity review manual")
    at.text_input(key="verify:edition").input("4th edition, 2019")
    at.text_input(key="verify:page").input("31")
    at.button(key="FormSubmitter:verify_item-Record the verification").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Item 4 of ips-25 version 2008-uk.2 is verified")
    assert at.dataframe[0].value.set_index("Scale").loc["ips-25", "Provisional"] == 21
    status = next(d.value for d in at.dataframe if "Criteria" in d.value.columns).set_index("Item")["Criteria"]
    assert status["4. Integration through team assignment"].startswith(
        f"Verified {date.today():%d %b %Y}: IPS fidelity review manual"
    )


def test_scales_page__retire_needs_confirming(app_db: str) -> None:
    at = open_app(navigation.SCALES)
    at.selectbox(key="scales:retire_version").select_index(
        next(i for i, o in enumerate(at.selectbox(key="scales:retire_version").options) if o.startswith("ipspc"))
    ).run()
    assert "No new review can use ipspc until a version is published" in at.warning[-1].value
    assert at.button(key="scales:retire").disabled
    at.checkbox(key="scales:retire_confirm").check().run()
    at.button(key="scales:retire").click().run()
    assert not at.exception, at.exception
    assert ("ipspc", "2026.2", "retired") in _versions(at)


def test_workspace__draft_without_scores__moves_to_the_newly_published_version(app_db: str) -> None:
    at = open_app(navigation.SCALES)  # the app seeds the published scales on first start
    service = _service(app_db)
    review = _review(app_db, service.id, {})  # a draft nobody has scored
    at = _upload(at, _workbook())
    at.checkbox(key="scales:confirm:0").check().run()
    at.button(key="scales:publish:0").click().run()
    at.switch_page(navigation.WORKSPACE).run()
    at.selectbox(key="ws:service").set_value(service.id).run()
    assert not at.exception, at.exception
    assert any("Version 2008-uk.3 of this scale was published" in shown(c.value) for c in at.caption)
    at.button(key=f"ws:move:{review.id}").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "This review now uses version 2008-uk.3 of its scale."
    assert any(shown(m.value).startswith("### 1. Caseload size, re-counted") for m in at.markdown)
    with Session(db.make_engine(app_db)) as s:
        assert s.get(Review, review.id).scale_version == "2008-uk.3"


def test_scales_page__hostile_scale_text__previewed_as_typed_never_as_markup(app_db: str) -> None:
    import yaml

    mapping = scale_mapping(load_scales(SCALES_DIR)["ips-25"])
    mapping["version"] = "2008-uk.3"
    name = "**Caseload** [click](http://evil.example) <b>size</b>"
    criterion = "![x](http://evil.example/x.png) <img src=x onerror=alert(1)> =HYPERLINK(1)"
    mapping["items"][0]["name"] = name
    mapping["items"][0]["criteria"][1] = criterion
    at = _upload(open_app(navigation.SCALES), yaml.safe_dump(mapping).encode(), name="hostile.yaml")
    heading = next(m.value for m in at.markdown if m.value.startswith("### 1"))
    assert shown(heading).replace("\u2060", "") == f"### 1. {name} (S1)"
    assert "](http" not in heading and "**Caseload**" not in heading
    radio = next(r for r in at.radio if r.key.startswith("ws:0:preview:"))
    assert "![x](" not in radio.options[0] and shown(radio.options[0]).replace("\u2060", "") == f"1 — {criterion}"


def test_first_start__another_process_seeds_at_the_same_moment__this_one_looks_again(tmp_path, monkeypatch) -> None:
    import streamlit as st
    from sqlalchemy.exc import IntegrityError

    from fidelity.store import published_scales
    from fidelity.ui import resources

    url = f"sqlite:///{tmp_path / 'race.db'}"
    real, calls = published_scales.seed_from_files, []

    def raced(session, shipped):
        calls.append(1)
        if len(calls) == 1:
            with db.session_scope(db.make_engine(url)) as other:  # the other process seeds and commits first ...
                real(other, shipped)
            raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))  # ... so this insert clashes
        return real(session, shipped)

    monkeypatch.setattr(published_scales, "seed_from_files", raced)
    st.cache_resource.clear()
    assert resources._prepared_database(url, str(SCALES_DIR)) == url
    assert len(calls) == 2
    with db.session_scope(db.make_engine(url)) as s:
        assert set(published_scales.current_scales(s)) == {"ips-25", "ipspc"}
        assert len(published_scales.publications(s, actor=ACTOR)) == 2  # seeded once, not twice
    st.cache_resource.clear()
    db.dispose_engine(url)
