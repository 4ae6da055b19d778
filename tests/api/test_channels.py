"""Admin channel API: CRUD, key secrecy, abilities rebuilt on every write, authorization."""
from __future__ import annotations

import pytest

from oneapi.extensions import db
from oneapi.models import Ability, Channel


def abilities(app, channel_id=None):
    with app.app_context():
        stmt = db.select(Ability)
        if channel_id is not None:
            stmt = stmt.where(Ability.channel_id == channel_id)
        rows = db.session.execute(stmt).scalars().all()
        return sorted((a.group, a.model, a.channel_id, a.enabled, a.priority) for a in rows)


def stored_key(app, channel_id):
    with app.app_context():
        return db.session.get(Channel, channel_id).key


def create(client, **fields):
    body = {"name": "c", "type": 1, "key": "sk-a", "models": "gpt-4o", "group": "default"}
    body.update(fields)
    return client.post("/api/channel/", json=body).get_json()


def test_create_one_channel_per_key_line_with_abilities(app, root_client):
    body = create(root_client, name="bulk", key="k1\nk2\r\n\n  k3 ", models="gpt-4o, gpt-4o-mini",
                  group="default,vip", priority=5)
    assert body["success"], body
    data = body["data"]
    assert len(data) == 3 and all(c["key"] == "" for c in data)
    assert {c["base_url"] for c in data} == {"https://api.openai.com"}
    ids = [c["id"] for c in data]
    assert [stored_key(app, i) for i in ids] == ["k1", "k2", "k3"]
    for cid in ids:
        assert abilities(app, cid) == sorted(
            (g, m, cid, True, 5) for g in ("default", "vip") for m in ("gpt-4o", "gpt-4o-mini"))


def test_single_key_returns_object_and_reads_never_return_key(app, root_client):
    body = create(root_client, key="secret-upstream-key", base_url="https://example.test/")
    assert body["success"]
    cid = body["data"]["id"]
    assert body["data"]["key"] == ""
    one = root_client.get(f"/api/channel/{cid}").get_json()
    assert one["success"] and one["data"]["key"] == "" and one["data"]["base_url"] == "https://example.test/"
    listing = root_client.get("/api/channel/").get_json()
    assert listing["total"] == 1 and listing["data"][0]["key"] == ""
    assert "secret-upstream-key" not in str(listing) + str(one)


@pytest.mark.parametrize("payload, fragment", [
    ({"type": 1, "key": "k"}, "name"),
    ({"name": "x", "key": "k"}, "type"),
    ({"name": "x", "type": 999, "key": "k"}, "unknown channel type"),
    ({"name": "x", "type": "abc", "key": "k"}, "type"),
    ({"name": "", "type": 1, "key": "k"}, "name"),
    ({"name": "x" * 200, "type": 1, "key": "k"}, "name"),
    ({"name": "x", "type": 1, "key": "k", "model_mapping": "{not json"}, "model_mapping"),
    ({"name": "x", "type": 1, "key": "k", "config": "[1]"}, "config"),
    ({"name": "x", "type": 1, "key": "k", "weight": -1}, "weight"),
    ({"name": "x", "type": 1, "key": "k", "status": 9}, "status"),
])
def test_create_rejects_bad_input_without_writing(app, root_client, payload, fragment):
    body = root_client.post("/api/channel/", json=payload).get_json()
    assert body["success"] is False and fragment in body["message"], body
    with app.app_context():
        assert db.session.query(Channel).count() == 0
    assert abilities(app) == []


def test_malformed_json_is_a_clear_error(root_client):
    resp = root_client.post("/api/channel/", data="{oops", content_type="application/json")
    assert resp.status_code == 200
    assert resp.get_json() == {"success": False,
                               "message": "invalid request body: expected a JSON object"}
    body = root_client.put("/api/channel/", json=[1, 2]).get_json()
    assert body["success"] is False


def test_update_rebuilds_abilities_and_keeps_empty_key(app, root_client, make_channel):
    ch = make_channel(models="a,b", group="default", key="orig")
    body = root_client.put("/api/channel/", json={"id": ch.id, "name": "renamed", "key": "",
                                                  "models": "b,c", "group": "vip",
                                                  "priority": 3}).get_json()
    assert body["success"], body
    assert body["data"]["name"] == "renamed" and body["data"]["key"] == ""
    assert stored_key(app, ch.id) == "orig"
    assert abilities(app, ch.id) == [("vip", "b", ch.id, True, 3), ("vip", "c", ch.id, True, 3)]
    root_client.put("/api/channel/", json={"id": ch.id, "key": "new-key"})
    assert stored_key(app, ch.id) == "new-key"


def test_status_change_toggles_ability_enabled(app, root_client, make_channel):
    ch = make_channel(models="m1")
    body = root_client.put("/api/channel/?status_only=1",
                           json={"id": ch.id, "status": 2, "name": "ignored"}).get_json()
    assert body["success"] and body["data"]["status"] == 2 and body["data"]["name"] == ch.name
    assert abilities(app, ch.id) == [("default", "m1", ch.id, False, 0)]
    root_client.put("/api/channel/", json={"id": ch.id, "status": 1})
    assert abilities(app, ch.id) == [("default", "m1", ch.id, True, 0)]
    body = root_client.put("/api/channel/?status_only=true", json={"id": ch.id}).get_json()
    assert body["success"] is False and "status" in body["message"]


def test_hidden_models_are_not_routable(app, root_client):
    body = create(root_client, models="a,b,c", hidden_models='["B"]')
    cid = body["data"]["id"]
    assert [a[1] for a in abilities(app, cid)] == ["a", "c"]


def test_update_unknown_or_bad_id(root_client):
    body = root_client.put("/api/channel/", json={"id": 424242, "name": "x"}).get_json()
    assert body["success"] is False and "not found" in body["message"]
    body = root_client.put("/api/channel/", json={"name": "x"}).get_json()
    assert body["success"] is False and "id" in body["message"]
    body = root_client.put("/api/channel/", json={"id": 1, "type": 12345}).get_json()
    assert body["success"] is False


def test_delete_and_delete_disabled(app, root_client, make_channel):
    keep = make_channel(models="m")
    gone = make_channel(models="m", status=2)
    auto = make_channel(models="m", status=3)
    body = root_client.delete("/api/channel/disabled").get_json()
    assert body == {"success": True, "message": "", "data": 2}
    assert {a[2] for a in abilities(app)} == {keep.id}
    assert root_client.get(f"/api/channel/{gone.id}").get_json()["success"] is False
    assert root_client.get(f"/api/channel/{auto.id}").get_json()["success"] is False
    assert root_client.delete(f"/api/channel/{keep.id}").get_json()["success"]
    assert abilities(app) == []
    body = root_client.delete(f"/api/channel/{keep.id}").get_json()
    assert body["success"] is False and "not found" in body["message"]


def test_list_sort_paging_and_search(root_client, make_channel):
    for i, name in enumerate(["alpha", "beta", "alps"]):
        make_channel(name=name, priority=i)
    body = root_client.get("/api/channel/?p=0&size=2&sort=priority&order=asc").get_json()
    assert body["total"] == 3 and [c["name"] for c in body["data"]] == ["alpha", "beta"]
    body = root_client.get("/api/channel/?sort=key;drop").get_json()  # not whitelisted → id desc
    assert [c["name"] for c in body["data"]] == ["alps", "beta", "alpha"]
    body = root_client.get("/api/channel/search?keyword=al").get_json()
    assert sorted(c["name"] for c in body["data"]) == ["alpha", "alps"]
    assert all(c["key"] == "" for c in body["data"])
    body = root_client.get("/api/channel/search?keyword=%25").get_json()
    assert body["data"] == []
    body = root_client.get("/api/channel/?p=abc").get_json()
    assert body["success"] is False and "p" in body["message"]


def test_testing_model_dropped_when_not_in_models(root_client):
    body = create(root_client, models="a", testing_model="zzz")
    assert body["data"]["testing_model"] is None
    body = create(root_client, models="a", testing_model="a")
    assert body["data"]["testing_model"] == "a"


def test_authorization_matrix(client, user_client, admin_client, make_channel):
    ch = make_channel()
    c_user, _ = user_client
    c_admin, _ = admin_client
    routes = [("get", "/api/channel/", None), ("get", f"/api/channel/{ch.id}", None),
              ("get", "/api/channel/search?keyword=x", None),
              ("post", "/api/channel/", {"name": "n", "type": 1, "key": "k"}),
              ("put", "/api/channel/", {"id": ch.id, "name": "z"}),
              ("delete", "/api/channel/disabled", None),
              ("delete", f"/api/channel/{ch.id}", None)]
    for method, path, body in routes:
        assert getattr(client, method)(path, json=body).status_code == 401, path
        assert getattr(c_user, method)(path, json=body).status_code == 403, path
    for method, path, body in routes:
        resp = getattr(c_admin, method)(path, json=body)
        assert resp.status_code == 200 and resp.get_json()["success"], (path, resp.get_json())


def test_base_url_required_for_types_without_default(app, root_client):
    body = create(root_client, type=3, base_url="")
    assert body["success"] is False and "base_url" in body["message"]
    body = create(root_client, type=3, base_url="https://x.openai.azure.com")
    assert body["success"] and body["data"]["base_url"] == "https://x.openai.azure.com"
    cid = body["data"]["id"]
    body = root_client.put("/api/channel/", json={"id": cid, "base_url": ""}).get_json()
    assert body["success"] is False and "base_url" in body["message"]


def test_cache_bus_bumped_on_channel_writes(app, root_client):
    from oneapi.services import cache_bus

    before = cache_bus.generation("channels")
    cid = create(root_client)["data"]["id"]
    after_create = cache_bus.generation("channels")
    assert after_create != before
    root_client.put("/api/channel/", json={"id": cid, "priority": 9})
    assert cache_bus.generation("channels") != after_create


def test_duplicate_copies_key_and_abilities(app, root_client, make_channel):
    ch = make_channel(name="orig", models="m1,m2", key="secret-k", priority=4)
    body = root_client.post(f"/api/channel/{ch.id}/duplicate").get_json()
    assert body["success"] and body["data"]["name"] == "orig Copy"
    clone_id = body["data"]["id"]
    assert stored_key(app, clone_id) == "secret-k"
    assert [a[1:] for a in abilities(app, clone_id)] == [("m1", clone_id, True, 4),
                                                         ("m2", clone_id, True, 4)]
    assert root_client.post("/api/channel/9999/duplicate").get_json()["success"] is False


def test_metadata(root_client, user_client):
    body = root_client.get("/api/channel/metadata?type=1").get_json()
    assert body["data"]["default_base_url"] == "https://api.openai.com"
    assert "chat" in body["data"]["default_endpoints"]
    assert any(e["path"] == "/v1/chat/completions" for e in body["data"]["all_endpoints"])
    assert root_client.get("/api/channel/metadata?type=777").get_json()["success"] is False
    assert root_client.get("/api/channel/metadata").get_json()["success"] is False
    assert user_client[0].get("/api/channel/metadata?type=1").status_code == 403


def test_channel_pricing_overrides(app, root_client, make_channel):
    ch = make_channel(models="m1", config='{"region": "x"}')
    body = root_client.get(f"/api/channel/pricing/{ch.id}").get_json()
    assert body["data"] == {"model_ratio": {}, "completion_ratio": {}, "model_configs": {},
                            "tooling": None}
    payload = {"model_configs": {"m1": {"ratio": 1.5, "completion_ratio": 2}},
               "model_ratio": {"m1": 1.5}, "tooling": {"whitelist": ["web_search"]}}
    body = root_client.put(f"/api/channel/pricing/{ch.id}", json=payload).get_json()
    assert body["success"], body
    assert body["data"]["model_configs"] == payload["model_configs"]
    assert body["data"]["tooling"] == {"whitelist": ["web_search"]}
    got = root_client.get(f"/api/channel/{ch.id}").get_json()["data"]
    assert '"region": "x"' in got["config"] and got["key"] == ""
    for bad in ({"model_configs": "nope"}, {"model_configs": {"m1": {"ratio": -1}}},
                {"model_ratio": {"m1": "x"}}, {"tooling": [1]}):
        resp = root_client.put(f"/api/channel/pricing/{ch.id}", json=bad).get_json()
        assert resp["success"] is False, bad
    assert root_client.get(f"/api/channel/pricing/{ch.id}").get_json()["data"]["model_ratio"] == {"m1": 1.5}
    assert root_client.get("/api/channel/pricing/9999").get_json()["success"] is False


def test_column_limits_are_clear_errors(app, root_client):
    body = create(root_client, group="default,vip,svip,enterprise,extra1")
    assert body["success"] is False and "group" in body["message"]
    body = create(root_client, models="m" * 300)
    assert body["success"] is False and "model name" in body["message"]
    with app.app_context():
        assert db.session.query(Channel).count() == 0


def test_search_by_group_matches_whole_csv_items(root_client, make_channel):
    make_channel(name="a", group="vip")
    make_channel(name="b", group="default,svip")
    make_channel(name="c", group="default,vip,x")
    body = root_client.get("/api/channel/search?group=vip").get_json()
    assert sorted(c["name"] for c in body["data"]) == ["a", "c"]
