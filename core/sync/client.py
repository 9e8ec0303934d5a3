"""Pushes the outbox to the vardia server and pulls what changed there (SPEC §7).

The transport is injected (httpx's ``transport=``) so tests drive faults without
patching. Operations leave the outbox only after the server answered for them: a lost
response means a re-push, which the server answers with ``duplicate``.
"""

from __future__ import annotations

import email.utils
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, ParamSpec, TypeVar
from urllib.parse import quote

import httpx
import orjson
from pydantic import ValidationError

from core.bounds import Bounds
from core.clock import Clock, SystemClock
from core.errors import AuthError, SyncError, UnreachableError
from core.i18n import _, ngettext
from core.periods import Month
from core.rules import load_bounds
from core.statements import Statement
from core.sync.backoff import Backoff
from core.sync.log import LOG, hide
from core.sync.login import Login
from core.sync.price_list import held_version, save_price_list
from core.sync.protocol import (
    API_PREFIX,
    MAX_BATCH,
    Operation,
    OpStatus,
    PushRequest,
    PushResponse,
    WhoAmI,
    check_operation,
)
from core.sync.quarantine import (
    Quarantined,
    RawPage,
    keep_aside,
    kind_label,
    list_quarantined,
    sort_page,
)
from core.sync.secure import check_server_url, ssl_context, tls_failure
from core.sync.state import (
    Conflict,
    Rejection,
    SyncState,
    SyncStore,
    add_conflicts,
    add_rejections,
    list_conflicts,
    list_rejections,
    load_state,
    save_state,
)

__all__ = ["PullReport", "PushReport", "RetryLater", "SyncClient", "SyncReport", "SyncStatus"]

POLL_SECONDS = 30.0

P = ParamSpec("P")
R = TypeVar("R")


class RetryLater(UnreachableError):
    """The server is unreachable or busy; ``retry_after`` is its hint in seconds, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class PushReport:
    """What a push did, counted by outcome."""

    applied: int = 0
    duplicate: int = 0
    conflict: int = 0
    rejected: int = 0

    def __add__(self, other: PushReport) -> PushReport:
        return PushReport(
            self.applied + other.applied,
            self.duplicate + other.duplicate,
            self.conflict + other.conflict,
            self.rejected + other.rejected,
        )


@dataclass(frozen=True)
class PullReport:
    """What a pull did: the records stored, and those kept aside (quarantined) with why."""

    stored: int = 0
    kept_aside: tuple[Quarantined, ...] = ()

    def __add__(self, other: PullReport) -> PullReport:
        return PullReport(self.stored + other.stored, self.kept_aside + other.kept_aside)

    def sentence(self) -> str | None:
        """What the technician should know of the records kept aside; None when none were."""
        if not self.kept_aside:
            return None
        first = self.kept_aside[0]
        return ngettext(
            "{n} record from the server could not be stored and was kept aside ({kind} {id}: "
            "{reason}).",
            "{n} records from the server could not be stored and were kept aside (first, "
            "{kind} {id}: {reason}).",
            len(self.kept_aside),
        ).format(
            n=len(self.kept_aside),
            kind=kind_label(first.kind),
            id=first.record_id,
            reason=first.reason,
        )


@dataclass(frozen=True)
class SyncReport:
    """A full sync: the push, what the pull stored and kept aside, and when it finished."""

    push: PushReport
    pull: PullReport
    at: datetime

    @property
    def pulled(self) -> int:
        return self.pull.stored


@dataclass(frozen=True)
class SyncStatus:
    """What the UI shows about sync (``vardia status``)."""

    online: bool
    pending: int
    last_sync: datetime | None
    last_error: str | None
    conflicts: int
    rejected: int
    clock_offset_seconds: float | None
    kept_aside: int = 0
    """Pulled records that could not be stored, quarantined (``core.sync.quarantine``)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "online": self.online,
            "pending": self.pending,
            "last_sync": self.last_sync.isoformat() if self.last_sync else None,
            "last_error": self.last_error,
            "conflicts": self.conflicts,
            "rejected": self.rejected,
            "clock_offset_seconds": self.clock_offset_seconds,
            "kept_aside": self.kept_aside,
        }


class SyncClient:
    """Syncs one store with one server as one technician's device.

    ``sync()`` pushes then pulls and raises on failure; ``run_once()`` is what a
    background worker calls in a loop: it never raises a SyncError, records the
    outcome in the store and returns how long to wait before the next round.

    Every store access holds ``store_lock`` and no network call does: an app sharing the
    lock reads and saves while a request waits on a slow server.

    An operation outside ``bounds`` (the shipped ones when none are given) is not pushed:
    it is set aside as refused, with its content and the reason, as the server would.
    """

    def __init__(
        self,
        store: SyncStore,
        server_url: str,
        token: str,
        *,
        device_id: str,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        batch_size: int = MAX_BATCH,
        page_size: int = 500,
        timeout: float = 15.0,
        backoff: Backoff | None = None,
        poll_seconds: float = POLL_SECONDS,
        store_lock: threading.Lock | None = None,
        ca_file: Path | str | None = None,
        allow_insecure_http: bool = False,
        bounds: Bounds | None = None,
    ) -> None:
        if not 0 < timeout < float("inf"):
            # httpx reads without a timeout block forever on a server that never answers.
            raise ValueError(f"the sync timeout must be a finite number of seconds: {timeout}")
        self.store = store
        self.store_lock = store_lock or threading.Lock()
        self._push_lock = threading.Lock()
        """One push at a time: a statement's push waits for the sync round's, and the two never
        set the same refused operation aside twice."""
        # Checked whatever the transport: the token goes nowhere in clear.
        self.server_url = check_server_url(server_url, allow_insecure_http=allow_insecure_http)
        hide(token)
        self.device_id = device_id
        self.clock = clock or SystemClock()
        self.batch_size = max(1, min(batch_size, MAX_BATCH))
        self.page_size = page_size
        self.backoff = backoff or Backoff()
        self.poll_seconds = poll_seconds
        self.bounds = bounds or load_bounds(None)
        self._offset: float | None = None
        self._http = httpx.Client(
            base_url=self.server_url + API_PREFIX,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "vardia"},
            transport=transport,
            timeout=timeout,
            verify=ssl_context(ca_file),
        )

    @classmethod
    def for_login(
        cls, store: SyncStore, login: Login, *, device_id: str, **options: Any
    ) -> SyncClient:
        """A client for the saved ``login``: its server, token and trust settings."""
        return cls(
            store,
            login.server,
            login.token,
            device_id=device_id,
            ca_file=login.ca_file,
            allow_insecure_http=login.allow_insecure_http,
            **options,
        )

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ HTTP

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        sent = self.clock.now()
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            refused = tls_failure(error)
            if refused is not None:
                raise _tls_error(self.server_url, refused) from None
            raise RetryLater(
                _("The server at {url} cannot be reached; changes stay queued.").format(
                    url=self.server_url
                )
            ) from None
        self._check(response)
        self._note_server_time(response, sent, self.clock.now())
        return response

    def _check(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        detail = _detail(response)
        if status in (401, 403):
            raise AuthError(
                _("The server refused the token ({detail}); run `vardia login` again.").format(
                    detail=detail
                )
            )
        if status == 429 or status >= 500:
            raise RetryLater(
                _("The server is busy or failing ({status}); will retry.").format(status=status),
                _retry_after(response),
            )
        raise SyncError(_("The server refused the request: {detail}").format(detail=detail))

    def _note_server_time(
        self, response: httpx.Response, sent: datetime, received: datetime
    ) -> None:
        server_time = _server_time(response)
        if server_time is None:
            return
        midpoint = sent + (received - sent) / 2
        self._offset = (server_time - midpoint).total_seconds()

    # ------------------------------------------------------------------ API

    def whoami(self) -> WhoAmI:
        """Who the token belongs to; checks the server and the token at once."""
        return WhoAmI.model_validate_json(self._request("GET", "/whoami").content)

    def statement(self, customer_id: str, month: Month, *, issue: bool = False) -> Statement:
        """The customer's statement of ``month`` from the server: every technician's sessions.

        ``issue``: as a document, which the server numbers the first time it is issued.
        """
        params = {"month": str(month)} | ({"issue": "true"} if issue else {})
        response = self._request("GET", f"/statements/{quote(customer_id, safe='')}", params=params)
        try:
            return Statement.model_validate_json(response.content)
        except ValidationError:
            raise SyncError(_("The server sent a statement this vardia cannot read.")) from None

    def is_online(self) -> bool:
        """True if the server answers its health check now."""
        try:
            self._request("GET", "/health")
        except SyncError:
            return False
        return True

    def push(self) -> PushReport:
        """Push the whole outbox, batch by batch; raises RetryLater/AuthError and keeps the rest."""
        with self._push_lock:
            return self._push()

    def _push(self) -> PushReport:
        report = PushReport()
        size = self.batch_size
        acknowledged: set[str] = set()
        while ops := self._locked(self.store.pending_operations, size):
            if acknowledged & {op.op_id for op in ops}:
                raise SyncError(_("The local store kept operations the server acknowledged."))
            ops, held = self._within_bounds(ops)
            report += held
            if not ops:
                continue
            request = PushRequest(
                device_id=self.device_id, sent_at=self.clock.now(), operations=ops
            )
            try:
                response = self._request(
                    "POST",
                    "/push",
                    content=request.model_dump_json(),
                    headers={"Content-Type": "application/json"},
                )
            except SyncError as error:
                if isinstance(error, RetryLater | AuthError):
                    raise
                if len(ops) > 1:
                    # The batch as a whole was refused (too large, or one envelope the
                    # server cannot read): halve it until the culprit is alone.
                    size = max(1, len(ops) // 2)
                    continue
                report += self._settle_refused(ops[0], error)
                acknowledged.add(ops[0].op_id)
                continue
            report += self._settle(PushResponse.model_validate_json(response.content), ops)
            acknowledged |= {op.op_id for op in ops}
            size = self.batch_size
        return report

    def _within_bounds(self, ops: list[Operation]) -> tuple[list[Operation], PushReport]:
        """The operations to push; those outside the bounds are set aside as refused."""
        now = self.clock.now()
        refused: list[Rejection] = []
        for op in ops:
            try:
                check_operation(op, self.bounds, now)
            except ValueError as error:
                refused.append(
                    Rejection(
                        op_id=op.op_id,
                        kind=op.kind,
                        entity_id=op.entity_id,
                        reason=_("not sent: {reason}").format(reason=error),
                        at=now,
                        operation=op,
                    )
                )
        if not refused:
            return ops, PushReport()
        with self.store_lock:
            add_rejections(self.store, refused)
            self.store.acknowledge(r.op_id for r in refused)
        for r in refused:
            LOG.warning(
                "kept back %s %s (operation %s): %s", r.kind, r.entity_id, r.op_id, r.reason
            )
        gone = {r.op_id for r in refused}
        return [op for op in ops if op.op_id not in gone], PushReport(rejected=len(refused))

    def _settle(self, response: PushResponse, ops: list[Any]) -> PushReport:
        if [r.op_id for r in response.results] != [op.op_id for op in ops]:
            raise SyncError(_("The server's answer does not match the operations pushed."))
        now = self.clock.now()
        by_id = {op.op_id: op for op in ops}
        conflicts = [
            Conflict(
                id=f"{result.op_id}:{c.field}",
                op_id=result.op_id,
                incident_id=c.incident_id,
                field=c.field,
                base=c.base,
                local=c.local,
                server=c.server,
                detected_at=now,
            )
            for result in response.results
            for c in result.conflicts
        ]
        rejections = [
            Rejection(
                op_id=r.op_id,
                kind=by_id[r.op_id].kind,
                entity_id=by_id[r.op_id].entity_id,
                reason=r.reason or _("no reason given"),
                at=now,
                operation=by_id[r.op_id],
            )
            for r in response.results
            if r.status is OpStatus.REJECTED
        ]
        with self.store_lock:
            # Kept before the acknowledgement: a crash in between re-pushes, and the server's
            # duplicate answer carries the same conflicts, which are not added twice.
            add_conflicts(self.store, conflicts)
            add_rejections(self.store, rejections)
            self.store.acknowledge(by_id)
        _log_refused(rejections)
        counts = {status: 0 for status in OpStatus}
        for result in response.results:
            counts[result.status] += 1
        return PushReport(
            applied=counts[OpStatus.APPLIED],
            duplicate=counts[OpStatus.DUPLICATE],
            conflict=counts[OpStatus.CONFLICT],
            rejected=counts[OpStatus.REJECTED],
        )

    def _settle_refused(self, op: Operation, error: SyncError) -> PushReport:
        rejection = Rejection(
            op_id=op.op_id,
            kind=op.kind,
            entity_id=op.entity_id,
            reason=str(error),
            at=self.clock.now(),
            operation=op,
        )
        with self.store_lock:
            add_rejections(self.store, [rejection])
            self.store.acknowledge([op.op_id])
        _log_refused([rejection])
        return PushReport(rejected=1)

    def pull(self) -> PullReport:
        """Pull every page since the saved cursor; the cursor is saved after each page.

        The vendor's price list comes along when the server's differs from the one held.
        """
        state = self._locked(load_state, self.store)
        cursor, pulled = state.cursor, PullReport()
        known = self._locked(held_version, self.store)
        while True:
            params: dict[str, str | int] = {
                "cursor": cursor,
                "limit": self.page_size,
                "price_list": known,
            }
            response = self._request("GET", "/pull", params=params)
            try:
                page = RawPage.model_validate_json(response.content)
            except ValidationError:
                raise SyncError(_("The server sent a page this vardia cannot read.")) from None
            cursor = page.cursor
            # A record this device cannot store is kept aside; the rest of the page is
            # stored and the cursor moves on, so one bad record never stops sync.
            found = sort_page(page, self.bounds, self.clock.now())
            with self.store_lock:
                if page.price_list is not None:
                    save_price_list(self.store, page.price_list)
                    known = page.price_list.version
                self.store.merge_from_server(found.customers, found.incidents, found.prices)
                keep_aside(self.store, found.kept_aside, found.stored_keys)
                # Re-read: the state may have been saved since (a status change elsewhere).
                state = load_state(self.store).model_copy(update={"cursor": cursor})
                save_state(self.store, state)
            stored = len(found.customers) + len(found.incidents) + len(found.prices)
            pulled += PullReport(stored, tuple(found.kept_aside))
            for q in found.kept_aside:
                LOG.warning("kept aside %s %s from the server: %s", q.kind, q.record_id, q.reason)
            if not page.has_more:
                return pulled

    def sync(self) -> SyncReport:
        """Push, then pull; the state records success or the error, which is raised again."""
        return self._sync(background=False)

    def _sync(self, *, background: bool) -> SyncReport:
        """A sync, logged; a background round that changed nothing is not (nor is the same
        failure again), so the log holds what a person would want to read."""
        before = self._locked(load_state, self.store).last_error
        try:
            pushed = self.push()
            pulled = self.pull()
        except SyncError as error:
            self._record(error)
            if not background or str(error) != before:
                LOG.warning("sync with %s failed: %s", self.server_url, error)
            raise
        now = self.clock.now()
        # Records kept aside are the one thing a sync that worked still has to say.
        self._save(online=True, last_sync=now, last_attempt=now, last_error=pulled.sentence())
        moved = (
            pushed.applied
            + pushed.duplicate
            + pushed.conflict
            + pushed.rejected
            + pulled.stored
            + len(pulled.kept_aside)
        )
        if not background or moved or before is not None:
            LOG.info(
                "sync with %s: %d applied, %d already there, %d in conflict, %d refused; "
                "%d received, %d kept aside",
                self.server_url,
                pushed.applied,
                pushed.duplicate,
                pushed.conflict,
                pushed.rejected,
                pulled.stored,
                len(pulled.kept_aside),
            )
        return SyncReport(push=pushed, pull=pulled, at=now)

    def run_once(self) -> float:
        """One background round: sync, and return the seconds to wait before the next one."""
        try:
            self._sync(background=True)
        except RetryLater as error:
            return self.backoff.next_delay(error.retry_after)
        except SyncError:
            return self.backoff.next_delay()
        self.backoff.reset()
        return self.poll_seconds

    @property
    def failing(self) -> bool:
        """Whether the last background round failed (its backoff is counting)."""
        return self.backoff.failures > 0

    def status(self, *, probe: bool = False) -> SyncStatus:
        """The sync state for display; ``probe`` asks the server now instead of the last round."""
        online = self.is_online() if probe else None
        with self.store_lock:
            state = load_state(self.store)
            return status_of(self.store, state, state.online if online is None else online)

    def _record(self, error: SyncError) -> None:
        self._save(
            online=not isinstance(error, RetryLater),
            last_attempt=self.clock.now(),
            last_error=str(error),
        )

    def _save(self, **changes: Any) -> None:
        if self._offset is not None:
            changes["clock_offset_seconds"] = self._offset
        with self.store_lock:
            save_state(self.store, load_state(self.store).model_copy(update=changes))

    def _locked(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        with self.store_lock:
            return fn(*args, **kwargs)


def _log_refused(rejections: list[Rejection]) -> None:
    for refused in rejections:
        LOG.warning(
            "the server refused %s %s (operation %s): %s",
            refused.kind,
            refused.entity_id,
            refused.op_id,
            refused.reason,
        )


def status_of(store: SyncStore, state: SyncState, online: bool) -> SyncStatus:
    """The status shown for ``store``, whether or not a client can be built."""
    return SyncStatus(
        online=online,
        pending=store.pending_count(),
        last_sync=state.last_sync,
        last_error=state.last_error,
        conflicts=len(list_conflicts(store)),
        rejected=len(list_rejections(store)),
        clock_offset_seconds=state.clock_offset_seconds,
        kept_aside=len(list_quarantined(store)),
    )


def _tls_error(url: str, error: ssl.SSLError) -> SyncError:
    """A TLS failure is no network hiccup: retrying will not help, the setup must change."""
    if isinstance(error, ssl.SSLCertVerificationError):
        reason = error.verify_message or error.reason or str(error)
        return SyncError(
            _(
                "The server at {url} presented a certificate this device does not trust "
                "({reason}); if your vendor uses its own certificate authority, give it "
                "with `vardia login --ca-file`."
            ).format(url=url, reason=reason)
        )
    return SyncError(
        _("No secure connection to {url} could be made ({reason}); is it an HTTPS server?").format(
            url=url, reason=error.reason or error
        )
    )


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if detail else f"HTTP {response.status_code}"


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds, whether given as seconds or as an HTTP date."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        now = email.utils.parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())


def _server_time(response: httpx.Response) -> datetime | None:
    """The server's clock: ``server_time`` in the body, else the Date header."""
    try:
        # orjson: a push's answer is long, and this reads one field of it.
        value = orjson.loads(response.content).get("server_time")
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except (ValueError, AttributeError):
        pass
    try:
        return email.utils.parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return None
