"""A Greek server refuses in Greek: the reasons a device shows under its refused work, and the
details of its HTTP answers, come through the catalog in the server's language."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from core.rules import load_bounds, load_rules
from core.sync.protocol import OperationKind, PushRequest
from server.auth import Caller, Role
from server.db import make_engine, migrate
from server.push import push
from tests.server.sync_factories import incident, op, open_op, record_op, session


def test_a_greek_server_gives_its_reasons_in_greek(tmp_path: Path, greek: None) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'vardia.db'}")
    migrate(engine)
    now = datetime.now(UTC)
    alice, bob = Caller("alice", Role.TECHNICIAN), Caller("bob", Role.TECHNICIAN)

    def reasons(caller: Caller, *operations: object) -> list[str | None]:
        request = PushRequest(device_id="dev-a", sent_at=now, operations=list(operations))
        answer = push(engine, load_rules(), caller, request, now, load_bounds(None))
        return [result.reason for result in answer.results]

    assert reasons(alice, open_op(incident("I-1")), record_op(session("S-1"))) == [None, None]
    edited = session("S-1", note="bob's").model_dump(mode="json")
    refused = reasons(
        bob,
        op(OperationKind.SESSION_EDIT, "S-1", edited),
        record_op(session("S-2", incident_id="I-9")),
        op(OperationKind.SESSION_RECORD, "S-3", {"id": "S-3"}),
    )
    assert refused[0] == "μια συνεδρία την καταχωρίζει ή τη διορθώνει μόνο ο τεχνικός της"
    assert refused[1] == "μια συνεδρία την καταχωρίζει ή τη διορθώνει μόνο ο τεχνικός της"
    assert refused[2] is not None and refused[2].startswith("μη έγκυρο περιεχόμενο session.record")
    assert reasons(alice, record_op(session("S-4", incident_id="I-9"))) == [
        "δεν υπάρχει αίτημα 'I-9' στον διακομιστή"
    ]
    engine.dispose()
