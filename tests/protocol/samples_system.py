"""Sample instances of the session-level messages (used by the generic round-trip tests)."""

from __future__ import annotations

from ibkr.protocol.message import Message
from ibkr.protocol.messages.system import (
    CurrentTime,
    CurrentTimeInMillis,
    ErrMsg,
    ManagedAccts,
    NextValidId,
    ReqCurrentTime,
    ReqCurrentTimeInMillis,
    ReqIds,
    ReqManagedAccts,
    StartApi,
)

SAMPLES: list[Message] = [
    StartApi(client_id=7),
    StartApi(client_id=0, optional_capabilities="cap1"),
    ReqIds(num_ids=-1),
    NextValidId(order_id=4711),
    ReqManagedAccts(),
    ManagedAccts(accounts_list="DU1234567,DU7654321"),
    ReqCurrentTime(),
    CurrentTime(time=1700000000),
    ReqCurrentTimeInMillis(),
    CurrentTimeInMillis(time_millis=1700000000123),
    ErrMsg(id=-1, error_code=2104, error_string="Market data farm connection is OK:usfarm"),
    ErrMsg(id=12, error_code=201, error_string="Order rejected - reason:", advanced_order_reject_json='{"k":1}'),
]
