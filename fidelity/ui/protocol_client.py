"""One person's session with the running app over its WebSocket, speaking Streamlit's own protocol.

What a browser tab sends and receives, without drawing anything: so one 2-core machine can play dozens of
people against the app at once and measure the server, where as many browser tabs would measure the tabs.
It asks for a run (a page, or a widget's new value), then reads the server's messages until the run has
finished, keeping the widgets the run drew (to fill the sign-in form or choose a service) and the pages.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

EARLY_FOR_RERUN = ForwardMsg.FINISHED_EARLY_FOR_RERUN
CACHED_MESSAGE_AGE = 2  # Streamlit's global.maxCachedMessageAge: runs a kept message outlives its last use


def ends_run(message: ForwardMsg) -> bool:
    """The server has finished a run (not one cut short by st.rerun, which starts another at once)."""
    return message.WhichOneof("type") == "script_finished" and message.script_finished != EARLY_FOR_RERUN


def starts_run(message: ForwardMsg) -> bool:
    kind = message.WhichOneof("type")
    return kind == "new_session" or (
        kind == "session_status_changed" and message.session_status_changed.script_is_running
    )


class ProtocolError(Exception):
    """The app did something a person would see as broken: an uncaught exception, or no answer."""


@dataclass
class RunResult:
    milliseconds: float
    received: int
    exceptions: list[str] = field(default_factory=list)
    elements: Counter[str] = field(default_factory=Counter)  # what the run drew, by kind: "plotly_chart": 2


class StreamlitSession:
    """A WebSocket session, as a browser tab holds one."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.socket: Any = None
        self.pages: dict[str, str] = {}  # page title -> its script hash, as st.navigation sent them
        self.page_hash = ""
        self.widgets: dict[tuple[str, str], Any] = {}  # (element kind, label) -> the widget's proto, this run
        # hashes of the messages this "browser" keeps -> the run that last used each, as Streamlit's frontend does
        self.cached: dict[str, int] = {}
        self.runs = 0

    async def connect(self) -> None:
        import websockets

        self.socket = await websockets.connect(
            self.url.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            origin=self.url,  # type: ignore[arg-type]
            max_size=None,
            open_timeout=60,
        )

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()

    async def run(
        self, page: str | None = None, states: list[WidgetState] | None = None, timeout: float = 60
    ) -> RunResult:
        """Ask for a run of `page` (by title; the current page when None) with these widget values, and wait
        until the server has finished it (and any run it started with st.rerun)."""
        import asyncio

        if page is not None:
            self.page_hash = self.pages[page]
        back = BackMsg()
        client = back.rerun_script
        client.page_script_hash = self.page_hash
        client.widget_states.widgets.extend(states or [])
        self.runs += 1
        self.cached = {h: used for h, used in self.cached.items() if self.runs - used <= CACHED_MESSAGE_AGE}
        client.cached_message_hashes.extend(sorted(self.cached))
        started = time.perf_counter()
        await self.socket.send(back.SerializeToString())
        result = RunResult(0, 0)
        self.widgets = {}
        while True:
            data = await asyncio.wait_for(self.socket.recv(), timeout)
            result.received += len(data)
            message = ForwardMsg.FromString(data)
            if message.metadata.cacheable or message.WhichOneof("type") == "ref_hash":
                self.cached[message.ref_hash or message.hash] = self.runs
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                self._keep(message.delta.new_element, result)
            elif kind == "navigation":
                self.pages = {p.page_name: p.page_script_hash for p in message.navigation.app_pages}
                self.page_hash = message.navigation.page_script_hash or self.page_hash
            elif ends_run(message):
                result.milliseconds = (time.perf_counter() - started) * 1000
                return result

    def _keep(self, element: Any, result: RunResult) -> None:
        kind = element.WhichOneof("type")
        result.elements[kind] += 1
        if kind == "exception":
            result.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
            return
        widget = getattr(element, kind)
        if hasattr(widget, "id") and hasattr(widget, "label"):
            self.widgets[(kind, widget.label)] = widget

    def widget(self, kind: str, label: str) -> Any:
        try:
            return self.widgets[(kind, label)]
        except KeyError:
            raise ProtocolError(f"the page has no {kind} labelled {label!r}") from None

    async def sign_in(self, username: str, password: str) -> RunResult:
        """Open the app, then fill and submit its sign-in form."""
        await self.run()
        states = [
            _text(self.widget("text_input", "Username").id, username),
            _text(self.widget("text_input", "Password").id, password),
            _trigger(self.widget("button", "Sign in").id),
        ]
        return await self.run(states=states)

    async def choose(self, label: str, option: str) -> RunResult:
        """Choose `option` in the select box labelled `label` on the current page."""
        box = self.widget("selectbox", label)
        if option not in box.options:
            raise ProtocolError(f"{label}: no option {option!r}")
        return await self.run(states=[_text(box.id, option)])


def _text(widget_id: str, value: str) -> WidgetState:
    state = WidgetState(id=widget_id)
    state.string_value = value
    return state


def _trigger(widget_id: str) -> WidgetState:
    state = WidgetState(id=widget_id)
    state.trigger_value = True
    return state
