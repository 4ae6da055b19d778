from oneapi import create_app
from oneapi.config import from_env


def test_metrics_require_the_metrics_token(app, client):
    # The session app has no METRICS_TOKEN: always 403.
    assert client.get("/metrics").status_code == 403


def test_metrics_with_token(app, database_url):
    app = create_app({"SETTINGS": from_env({"METRICS_TOKEN": "m-secret", "SESSION_SECRET": "x"}),
                      "SQLALCHEMY_DATABASE_URI": database_url})
    c = app.test_client()
    c.get("/api/status")
    assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    resp = c.get("/metrics", headers={"Authorization": "Bearer m-secret"})
    assert resp.status_code == 200
    assert b"oneapi_http_requests_total" in resp.data
