"""What the statement and the week report screens share: one period read in a worker.

The worker hands its result back as a message, and a refusal as a ``WorkFailed`` that the
app's one handler reports; the screen also says it in place of its title.
"""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar, cast

from textual import on, work
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from core.errors import VardiaError
from tui.messages import WorkFailed

__all__ = ["PeriodScreen"]

T = TypeVar("T")


class PeriodScreen(Screen[None], Generic[T]):
    """A screen of one period's figures (a month, a week), stepped with ``[`` and ``]``."""

    TITLE_SELECTOR: ClassVar[str]
    """The selector of the Static that shows the title, "loading…" or what went wrong."""

    class Loaded(Message):
        """The period's figures were read (by the screen's worker)."""

        def __init__(self, found: object) -> None:
            super().__init__()
            self.found = found

    def fetch(self) -> T:
        """Read the current period's figures; called in a worker thread."""
        raise NotImplementedError

    def loading_text(self) -> str:
        raise NotImplementedError

    def show(self, found: T) -> None:
        """Fill the screen with a period's figures."""
        raise NotImplementedError

    def load(self) -> None:
        self.query_one(self.TITLE_SELECTOR, Static).update(self.loading_text())
        self._read()

    @work(thread=True, exclusive=True, exit_on_error=False, group="period")
    def _read(self) -> None:
        try:
            found = self.fetch()
        except VardiaError as error:
            self.post_message(WorkFailed(str(error)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(found))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.show(cast(T, message.found))

    @on(WorkFailed)
    def _failed(self, message: WorkFailed) -> None:
        # Said in place of the title too; the message goes on up to the app's report.
        self.query_one(self.TITLE_SELECTOR, Static).update(message.reason)
