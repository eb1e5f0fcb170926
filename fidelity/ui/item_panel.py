"""The review workspace's item panel: one item's criteria, score, calculator or checklist and evidence.

Every change saves at once, and moving to another item saves the one on screen first.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import streamlit as st

from fidelity import errors, scoring
from fidelity.models import ItemRating
from fidelity.scales import DATA_SOURCE_LABELS, Item, Scale
from fidelity.store import ratings, reviews
from fidelity.store.access import Actor
from fidelity.ui import resources, widgets
from fidelity.ui.workspace import ERROR


@dataclass(frozen=True)
class ItemPanel:
    """One reviewer's place in one review: the item on screen, saved whenever it changes or they move on."""

    review_id: int
    rater: str
    scale: Scale
    actor: Actor
    live: bool = True  # False: a preview of the scale, where nothing is saved

    def saving(self, number: int) -> dict[str, object]:
        """The on_change arguments that save item `number` as it changes (none in a preview)."""
        return {"on_change": self.save, "args": (number,)} if self.live else {}

    @property
    def picker(self) -> str:
        return f"ws:item_picker:{self.review_id}:{self.rater}"

    @property
    def current(self) -> str:
        return f"ws:current:{self.review_id}:{self.rater}"  # each reviewer keeps their own place

    def key(self, number: int, field: str) -> str:
        return f"ws:{self.review_id}:{self.rater}:{number}:{field}"

    def entered(self, item: Item) -> dict[str, object]:
        """The fields of `item` that are on screen, read from widget state.

        A widget the browser has not reported yet is left out, so its stored value is kept rather
        than overwritten with an empty one.
        """
        state = st.session_state
        key_of = functools.partial(self.key, item.number)
        data: dict[str, object] = {"item_number": item.number}
        data |= widgets.entered_fields(key_of, {"score": "score", "evidence": "evidence", "data_sources": "sources"})
        if item.metric and item.metric.calculator:
            data |= widgets.entered_fields(key_of, {"metric_numerator": "num", "metric_denominator": "den"})
            numerator, denominator = data.get("metric_numerator"), data.get("metric_denominator")
            if isinstance(numerator, float) and isinstance(denominator, float):
                data["metric_value"] = scoring.metric_value(item.metric.calculator, numerator, denominator)
            elif "metric_numerator" in data and "metric_denominator" in data:
                data["metric_value"] = None
        elif item.metric and key_of("value") in state:
            data["metric_value"] = state[key_of("value")]
        if item.checklist:
            ticks = {i: key_of(f"check:{i}") for i in range(len(item.checklist.elements))}
            if all(key in state for key in ticks.values()):
                data["checklist_ticked"] = [i for i, key in ticks.items() if state[key]]
        if "data_sources" in data:
            data["data_sources"] = list(data["data_sources"])  # type: ignore[call-overload]
        return data

    def save(self, number: int) -> bool:
        """Save what is on screen for item `number`; False (with the error kept) when refused."""
        try:
            data = self.entered(self.scale.item(number))
            if len(data) == 1:
                return True  # none of the item's widgets is on screen: nothing to save
            with resources.transaction() as session:
                saved = ratings.save_rating(
                    session,
                    actor=self.actor,
                    review_id=self.review_id,
                    data=data,
                    rater=self.rater,
                    expected_version=widgets.seen_version(self.key(number, "version"), 0),
                )
        except (errors.Refused, scoring.ScoringError) as error:
            st.session_state[ERROR] = f"Item {number} not saved: {error}"
            return False
        if saved is not None:
            widgets.mark_seen(self.key(number, "version"), saved.version)
        return True

    def go_to(self, number: int) -> None:
        """Save the current item, then show `number`."""
        current = st.session_state[self.current]
        if not isinstance(number, int):
            return
        if self.save(current):
            st.session_state[self.current] = number
            st.session_state[self.picker] = number
        else:
            st.session_state[self.picker] = current

    def picked(self) -> None:
        self.go_to(st.session_state[self.picker])

    def next_unscored(self, number: int) -> None:
        """Save the item on screen, then show the next item without a score."""
        if not self.save(number):
            return
        with resources.reading() as session:
            saved = reviews.review_context(session, self.review_id, actor=self.actor).scores(self.rater)
        remaining = [item.number for item in scoring.unscored_items(self.scale, saved)]
        following = next((n for n in remaining if n > number), remaining[0] if remaining else number)
        st.session_state[self.current] = following
        st.session_state[self.picker] = following

    def item_on_screen(self, missing: list[Item]) -> int:
        """The item this reviewer is on: the first unscored one when they arrive."""
        st.session_state.setdefault(self.current, missing[0].number if missing else 1)
        number = st.session_state[self.current]
        if not isinstance(number, int) or not 1 <= number <= len(self.scale.items):
            number = st.session_state[self.current] = 1
        if st.session_state.get(self.picker) not in range(1, len(self.scale.items) + 1):
            st.session_state[self.picker] = number
        return number  # type: ignore[no-any-return]

    def navigation(self, number: int) -> None:
        """Previous, the item picker and next; each saves the item on screen before moving."""
        scale = self.scale
        st.divider()
        nav_prev, nav_pick, nav_next = st.columns([1, 6, 1], vertical_alignment="bottom")
        nav_pick.selectbox(
            "Item",
            [item.number for item in scale.items],
            format_func=lambda n: widgets.item_title(scale.item(n)),  # stable text: the browser sends the label back
            key=self.picker,
            on_change=self.picked,
        )
        nav_prev.button(
            "◀ Previous", disabled=number == 1, on_click=self.go_to, args=(number - 1,), key="ws:prev", width="stretch"
        )
        nav_next.button(
            "Next ▶",
            disabled=number == len(scale.items),
            on_click=self.go_to,
            args=(number + 1,),
            key="ws:next",
            width="stretch",
        )

    def item(self, number: int, saved: ItemRating | None, context: reviews.ReviewContext) -> None:
        """The item's criteria beside the score, its calculator or checklist, evidence and data sources."""
        item = self.scale.item(number)
        widgets.mark_seen(self.key(number, "version"), saved.version if saved else 0)
        self.header(item)
        criteria_col, tools_col = st.columns([3, 2], gap="large")
        with criteria_col:
            widgets.score_radio(
                "Score (the criteria for each score)",
                item,
                saved.score if saved else None,
                key=self.key(number, "score"),
                **self.saving(number),  # type: ignore[arg-type]
            )
            previous = context.previous
            if number in context.previous_scores and previous:
                st.caption(
                    f"Last final review ({previous.visit_start:%d %b %Y}): scored {context.previous_scores[number]}."
                )
            for action in (a for a in context.previous_actions if a.item_number == number):
                st.caption(f"Action since then ({action.status}): {widgets.md(action.description)}")
            self.evidence_gathered(context, number)
        with tools_col:
            if number in context.measures:
                st.info(
                    f"**From the case-record sample.** {widgets.md(context.measures[number].text)}",
                    icon=":material/folder_open:",
                )
            self.portfolio(context, number)
            self.tools(item, saved)

    def portfolio(self, context: reviews.ReviewContext, number: int) -> None:
        """The evidence the service listed for this item before the visit, and the lead reviewer's audit of it."""
        listed, audited = context.portfolio.get(number, []), context.audited.get(number)
        if not listed and audited is None:
            return
        evidence = "; ".join(f"{widgets.md(e.title)} ({e.kind})" for e in listed) or "nothing listed"
        verdict = ""
        if audited is not None:
            verdict = f" Audit: **{audited.verdict}**" + (f" ({widgets.md(audited.note)})" if audited.note else "")
        st.info(f"**In the service's portfolio.** {evidence}.{verdict}", icon=":material/inventory_2:")

    def evidence_gathered(self, context: reviews.ReviewContext, number: int) -> None:
        """The evidence notes tagged to this item on the Site visit page."""
        notes = context.notes_for(number)
        if not notes:
            return
        with st.expander(f"Evidence gathered for this item ({len(notes)})", expanded=True):
            for note in notes:
                st.markdown(widgets.md(note.text))
                st.caption(
                    f"{widgets.md(context.review.reviewer_name(note.rater))} · {note.created_at.astimezone():%d %b %Y}"
                )

    def preview(self, number: int) -> None:
        """The item exactly as a reviewer sees it, for a scale not yet published: nothing is saved."""
        item = self.scale.item(number)
        self.header(item)
        criteria_col, tools_col = st.columns([3, 2], gap="large")
        with criteria_col:
            widgets.score_radio("Score (the criteria for each score)", item, None, key=self.key(number, "score"))
        with tools_col:
            self.tools(item, None)

    def header(self, item: Item) -> None:
        """The item's title, section, principles, usual data sources, modification and notes."""
        scale = self.scale
        st.markdown(f"### {widgets.md(widgets.item_title(item))}")
        st.caption(
            f"Section: {widgets.md(scale.section(item.section).title)} · Principles: "
            + (
                ", ".join(widgets.md(p.title) for p in scale.principles if p.id in item.principles)
                or "programme structure"
            )
            + f" · Usual data sources: {', '.join(item.data_sources)}"
        )
        if item.modification:
            st.info(
                f"**Modified for primary care.** {widgets.md(item.modification.what)} "
                f"*Why:* {widgets.md(item.modification.why)}",
                icon=":material/stethoscope:",
            )
        if item.notes:
            st.caption(widgets.md(item.notes))

    def tools(self, item: Item, saved: ItemRating | None) -> None:
        """The calculator, measure or checklist and its suggestion; the evidence note and data sources."""
        number = item.number
        suggestion = self.calculator(item, saved)
        if suggestion is not None:
            st.info(f"Suggested score: **{suggestion}**. You decide the score.", icon=":material/lightbulb:")
        st.text_area(
            "Evidence note",
            value=saved.evidence if saved else "",
            height=140,
            max_chars=20_000,
            key=self.key(number, "evidence"),
            placeholder="What you saw, read or heard that supports the score",
            **self.saving(number),  # type: ignore[arg-type]
        )
        st.multiselect(
            "Data sources used",
            list(DATA_SOURCE_LABELS),
            default=saved.data_sources if saved else [],
            format_func=lambda code: f"{code} — {DATA_SOURCE_LABELS[code]}",
            key=self.key(number, "sources"),
            **self.saving(number),  # type: ignore[arg-type]
        )

    def calculator(self, item: Item, saved: ItemRating | None) -> int | None:
        """The item's metric calculator, measure or checklist; returns the score it suggests, if any."""
        number = item.number
        if item.metric and item.metric.calculator:
            calc = item.metric.calculator
            st.markdown(f"**Calculator: {widgets.md(item.metric.name)}**")
            numerator = st.number_input(
                widgets.md(calc.numerator),
                min_value=0.0,
                value=saved.metric_numerator if saved else None,
                step=1.0,
                key=self.key(number, "num"),
                **self.saving(number),  # type: ignore[arg-type]
            )
            denominator = st.number_input(
                widgets.md(calc.denominator),
                min_value=0.0,
                value=saved.metric_denominator if saved else None,
                step=0.5,
                key=self.key(number, "den"),
                **self.saving(number),  # type: ignore[arg-type]
            )
            if numerator is None or denominator is None:
                return None
            try:
                value = scoring.metric_value(calc, numerator, denominator)
            except scoring.ScoringError as error:
                st.warning(str(error))
                return None
            st.write(f"= **{value:.1f}** {widgets.md(item.metric.unit)}")
            return scoring.suggested_score_from_metric(item, value, denominator=denominator)
        if item.metric:
            st.markdown(f"**Measure: {widgets.md(item.metric.name)}**")
            value = st.number_input(
                f"Value ({widgets.md(item.metric.unit)})",
                min_value=0.0,
                value=saved.metric_value if saved else None,
                key=self.key(number, "value"),
                **self.saving(number),  # type: ignore[arg-type]
            )
            return None if value is None else scoring.suggested_score_from_metric(item, value)
        if item.checklist:
            st.markdown("**Checklist: tick what is in place**")
            ticked = set(saved.checklist_ticked) if saved else set()
            count = sum(
                st.checkbox(
                    widgets.md(element), value=i in ticked, key=self.key(number, f"check:{i}"), **self.saving(number)
                )
                for i, element in enumerate(item.checklist.elements)
            )
            st.write(f"{count} of {len(item.checklist.elements)} in place")
            return scoring.suggested_score_from_checklist(item, count)
        st.caption("This item is a reviewer's judgement against the criteria; there is nothing to calculate.")
        return None

    def last_saved(self, number: int, saved: ItemRating | None, *, complete: bool) -> None:
        """When the item was last saved, and the button to the next unscored item."""
        saved_col, next_col = st.columns([3, 2], vertical_alignment="center")
        saved_col.caption(
            f"Changes save as you go. Last saved {saved.updated_at.astimezone():%H:%M:%S on %d %b %Y}."
            if saved
            else "Changes save as you go. Nothing saved for this item yet."
        )
        next_col.button(
            "Next unscored item ▶",
            type="primary",
            on_click=self.next_unscored,
            args=(number,),
            key="ws:next_unscored",
            width="stretch",
            disabled=complete,
        )
