"""Bad input, systematically (hypothesis): random and malformed input never crashes scoring, validation,
imports, the CLI, scale loading or restore, and a refused import never half-saves."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fidelity import cli, db, errors, imports, scoring
from fidelity.errors import InputError, Refused
from fidelity.models import ActionInput, RatingInput, ReviewCreate, ServiceCreate
from fidelity.outcomes import FIELD_LABELS
from fidelity.scale_files import load_scale, load_scales
from fidelity.scales import ScaleFileError
from fidelity.store import accounts, backup, outcomes, past_reviews

from .conftest import ACTOR, SCALES_DIR, sqlite_with_service, table_dump

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
cells = st.one_of(
    st.text(max_size=12),
    st.integers(-10, 200).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        ["", " ", "2025-Q1", "2025-Q5", "Q1-2025", "North IPS", "ips-25", "ipspc", "5", "0", "-1", "1e309"]
    ),
)


# --- scoring ---------------------------------------------------------------------------------------------


IPS25 = load_scales(SCALES_DIR)["ips-25"]


@SETTINGS
@given(st.dictionaries(st.integers(1, 25), st.integers(1, 5)))
def test_summarise__any_partial_scores(ips25_scores: dict[int, int]) -> None:
    scale = IPS25
    summary = scoring.summarise(scale, ips25_scores)
    assert summary.total == sum(ips25_scores.values())
    assert summary.completeness.scored == len(ips25_scores)
    assert (summary.band is None) == (len(ips25_scores) < 25)
    if summary.band:
        assert summary.band.min <= summary.total <= summary.band.max


@SETTINGS
@given(st.dictionaries(st.integers(-5, 40), st.one_of(st.integers(-3, 9), st.none(), st.text(max_size=3))))
def test_summarise__bad_scores_refused_with_scoring_error(scores: dict) -> None:
    try:
        scoring.summarise(IPS25, scores)
    except scoring.ScoringError as error:
        assert str(error)


@SETTINGS
@given(st.integers(25, 125), st.integers(25, 125))
def test_fidelity_band__never_falls_as_total_rises(low: int, high: int) -> None:
    assume(low <= high)
    order = [b.label for b in sorted(IPS25.bands, key=lambda b: b.min)]
    assert order.index(scoring.fidelity_band(IPS25, low).label) <= order.index(scoring.fidelity_band(IPS25, high).label)


# --- validation --------------------------------------------------------------------------------------------

anything = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), st.dates()),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@pytest.mark.parametrize("model", [RatingInput, ServiceCreate, ReviewCreate, ActionInput, accounts.UserInput])
@SETTINGS
@given(data=st.data())
def test_validated__any_input_is_a_model_or_an_input_error_naming_fields(model, data) -> None:
    fields = list(model.model_fields)
    raw = data.draw(st.dictionaries(st.sampled_from(fields), anything, max_size=len(fields)))
    try:
        errors.validated(model, raw)
    except InputError as error:
        assert ": " in str(error)


# --- files: imports, CLI, scales, restore ---------------------------------------------------------------

csv_files = st.builds(
    lambda header, rows: ("\n".join([",".join(header), *(",".join(r) for r in rows)])).encode(),
    st.one_of(
        st.just(["service", "quarter", *FIELD_LABELS]),
        st.just(imports.template_csv().decode().splitlines()[0].split(",")),
        st.lists(st.text(max_size=8), max_size=5),
    ),
    st.lists(st.lists(cells, min_size=0, max_size=30), max_size=4),
)
any_bytes = st.one_of(csv_files, st.binary(max_size=300), st.text(max_size=200).map(str.encode))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return sqlite_with_service(tmp_path / "props.db")


@SETTINGS
@given(content=any_bytes, suffix=st.sampled_from([".csv", ".xlsx", ".CSV", ".txt"]))
def test_imports__random_files_refused_cleanly_or_imported_whole(
    sqlite_url: str, scales, content: bytes, suffix: str
) -> None:
    for name, action in (
        (
            "reviews",
            lambda s: past_reviews.import_past_reviews(
                s, actor=ACTOR, scales=scales, content=content, filename="f" + suffix, today=date(2026, 11, 22)
            ),
        ),
        ("outcomes", lambda s: outcomes.import_outcomes(s, actor=ACTOR, content=content, filename="f" + suffix)),
    ):
        before = table_dump(sqlite_url)
        try:
            with db.session_scope(db.make_engine(sqlite_url)) as s:
                action(s)
        except Refused as error:
            assert str(error), name
            assert table_dump(sqlite_url) == before, f"{name}: a refused file changed the database"


@SETTINGS
@given(content=any_bytes, command=st.sampled_from(["import-reviews", "import-outcomes", "restore", "score"]))
def test_cli__random_files_exit_cleanly(tmp_path: Path, monkeypatch, capsys, content: bytes, command: str) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    path = tmp_path / ("in.xlsx" if command == "restore" else "in.csv")
    path.write_bytes(content)
    args = [command, str(path)] if command != "score" else ["score", "--scale", "ips-25", str(path)]
    code = cli.main(args)
    err = capsys.readouterr().err
    assert code in (0, 2)
    if code == 2:
        assert err.startswith("error: ") and "Traceback" not in err


@SETTINGS
@given(st.text(max_size=300))
def test_scale_files__random_yaml_refused_with_scale_file_error(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("scales") / "random.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScaleFileError):
        load_scale(path)


@SETTINGS
@given(content=any_bytes, name=st.sampled_from(["b.zip", "b.xlsx"]))
def test_restore__random_files_refused_and_database_stays_empty(tmp_path: Path, content: bytes, name: str) -> None:
    url = f"sqlite:///{tmp_path / 'restore.db'}"
    db.migrate(url)
    with pytest.raises(InputError):
        backup.restore(db.make_engine(url), content, name)
    assert backup.is_empty(db.make_engine(url))
