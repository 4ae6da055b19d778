def test_status_envelope_and_request_id(client):
    resp = client.get("/api/status")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["success"] is True
    assert body["data"]["system_name"] == "One API"
    assert body["data"]["quota_per_unit"] == 500000
    assert len(resp.headers["X-Oneapi-Request-Id"]) == 31 or len(resp.headers["X-Oneapi-Request-Id"]) == 32


def test_unknown_v1_path_is_json_404(client):
    resp = client.post("/v1/does-not-exist", json={})
    assert resp.status_code == 404
    err = resp.get_json()["error"]
    assert err["code"] == "not_found"
    assert resp.headers["X-Oneapi-Request-Id"] in err["message"]


def test_unsupported_openai_paths_answer_501(client):
    for path in ("/v1/files", "/v1/assistants", "/v1/threads/abc/runs", "/v1/images/variations",
                 "/v1/fine_tuning/jobs"):
        resp = client.post(path, json={})
        assert resp.status_code == 501, path
        assert resp.get_json()["error"]["code"] == "api_not_implemented"


def test_notice_about_home_page(client):
    for path in ("/api/notice", "/api/about", "/api/home_page_content"):
        body = client.get(path).get_json()
        assert body["success"] is True and body["data"] == ""


def test_slave_node_redirects_ui_to_frontend_base_url(app, database_url):
    from oneapi import create_app
    from oneapi.config import from_env

    app = create_app({"SETTINGS": from_env({"NODE_TYPE": "slave", "FRONTEND_BASE_URL": "https://ui.example.com",
                                            "SESSION_SECRET": "x"}),
                      "SQLALCHEMY_DATABASE_URI": database_url})
    c = app.test_client()
    resp = c.get("/channel?p=1")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "https://ui.example.com/channel?p=1"
    assert c.get("/api/status").status_code == 200
