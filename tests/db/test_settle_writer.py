"""The settlement writer's batch write (driver-level executemany) on the suite's backend
(SQLite, PostgreSQL, MariaDB): counters summed per row, every log and cost row written."""
from __future__ import annotations

from sqlalchemy import text

from oneapi.extensions import db
from oneapi.services.settle_writer import SettleItem, SettleWriter, write_batch


def _log(user, token, channel, request_id: str, quota: int, content: str = "price 1") -> dict:
    return {"user_id": user.id, "created_at": 1700000000, "type": 2, "content": content,
            "username": user.username, "token_name": "t", "model_name": "gpt-3.5-turbo",
            "origin_model_name": "gpt-3.5-turbo", "quota": quota, "prompt_tokens": 3, "completion_tokens": 4,
            "cached_prompt_tokens": 0, "channel_id": channel.id, "token_id": token.id, "request_id": request_id,
            "trace_id": "", "elapsed_time": 12, "is_stream": True, "system_prompt_reset": False,
            "metadata": '{"mode": 1, "note": "100% \\"quoted\\" :colon"}', "updated_at": 1700000000123}


def _cost(user, request_id: str, quota: int) -> dict:
    return {"created_time": 1700000000, "user_id": user.id, "request_id": request_id, "quota": quota,
            "stamp": 1700000000123}


def test_batch_sums_counters_and_writes_every_row(app, make_user, make_token, make_channel):
    user = make_user(quota=1000)
    limited = make_token(user, unlimited_quota=False, remain_quota=500)
    unlimited = make_token(user, name="u")
    channel = make_channel()
    items = [
        SettleItem((user.id, 10, 30, 1), (limited.id, 10), None, (channel.id, 30),
                   _log(user, limited, channel, "req-a", 30), _cost(user, "req-a", 30)),
        SettleItem((user.id, -5, 15, 1), (limited.id, -5), None, (channel.id, 15),
                   _log(user, limited, channel, "req-b", 15), _cost(user, "req-b", 15)),
        SettleItem((user.id, 7, 7, 1), None, (unlimited.id, 7), (channel.id, 7),
                   None, _cost(user, "req-c", 7)),  # log consume off: cost row only
    ]
    with app.app_context():
        write_batch(db.engine, items)
        row = db.session.execute(text("SELECT quota, used_quota, request_count FROM users WHERE id = :i"),
                                 {"i": user.id}).one()
        assert tuple(row) == (1000 - 12, 52, 3)
        assert db.session.execute(text("SELECT remain_quota, used_quota FROM tokens WHERE id = :i"),
                                  {"i": limited.id}).one() == (495, 5)
        assert db.session.execute(text("SELECT used_quota FROM tokens WHERE id = :i"),
                                  {"i": unlimited.id}).scalar() == 7
        assert db.session.execute(text("SELECT used_quota FROM channels WHERE id = :i"),
                                  {"i": channel.id}).scalar() == 52
        logs = db.session.execute(text("SELECT request_id, quota, is_stream, metadata FROM logs "
                                       "WHERE type = 2 ORDER BY request_id")).all()
        assert [(r[0], r[1], bool(r[2])) for r in logs] == [("req-a", 30, True), ("req-b", 15, True)]
        assert logs[0][3] == '{"mode": 1, "note": "100% \\"quoted\\" :colon"}'  # passed through verbatim
        costs = db.session.execute(text("SELECT request_id, quota FROM user_request_costs "
                                        "ORDER BY request_id")).all()
        assert [tuple(r) for r in costs] == [("req-a", 30), ("req-b", 15), ("req-c", 7)]


def test_failed_batch_is_retried_row_by_row(app, make_user, make_token, make_channel):
    """A poison row (duplicate request id) is dropped alone; the rest of the batch is written."""
    user = make_user(quota=100)
    token = make_token(user)
    channel = make_channel()
    with app.app_context():
        writer = SettleWriter(db.engine, interval=0)
        try:
            writer.submit(SettleItem((user.id, 1, 1, 1), None, (token.id, 1), None,
                                     _log(user, token, channel, "dup", 1), _cost(user, "dup", 1)))
            writer.submit(SettleItem((user.id, 2, 2, 1), None, (token.id, 2), None,
                                     _log(user, token, channel, "dup", 2), _cost(user, "dup", 2)))
            writer.submit(SettleItem((user.id, 4, 4, 1), None, (token.id, 4), None,
                                     _log(user, token, channel, "ok", 4), _cost(user, "ok", 4)))
        finally:
            writer.close()
        costs = dict(db.session.execute(text("SELECT request_id, quota FROM user_request_costs")).all())
        assert costs == {"dup": 1, "ok": 4}
        assert db.session.execute(text("SELECT request_count FROM users WHERE id = :i"),
                                  {"i": user.id}).scalar() == 2
