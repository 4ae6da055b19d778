"""Password login, logout, registration (switches, invitation rewards, default key)."""
from __future__ import annotations

from oneapi.extensions import db
from oneapi.models import Log, LogType, Role, Token, User, UserStatus
from oneapi.services import options
from tests.support.factories import login


def set_options(app, **values):
    with app.app_context():
        for key, value in values.items():
            options.set_option(key, str(value))
        db.session.commit()


def register(client, **body):
    body.setdefault("password", "password123")
    return client.post("/api/user/register", json=body).get_json()


def test_login_by_username_and_email_sets_session(client, make_user):
    user = make_user(email="bob@example.com")
    resp = client.post("/api/user/login", json={"username": user.username, "password": "password123"})
    body = resp.get_json()
    assert resp.status_code == 200 and body["success"] is True
    assert body["data"] == {"id": user.id, "username": user.username, "display_name": user.display_name,
                            "role": 1, "status": 1}
    assert client.get("/api/user/self").get_json()["data"]["id"] == user.id

    other = client.application.test_client()
    assert login(other, "bob@example.com")["id"] == user.id


def test_login_errors(client, make_user):
    user = make_user()
    body = client.post("/api/user/login", json={"username": user.username, "password": "wrong-pass"}).get_json()
    assert body["success"] is False and "incorrect" in body["message"]
    body = client.post("/api/user/login", json={"username": "nobody", "password": "password123"}).get_json()
    assert body["success"] is False
    body = client.post("/api/user/login", json={"username": user.username}).get_json()
    assert body["success"] is False and "password" in body["message"]
    resp = client.post("/api/user/login", data="{not json", content_type="application/json")
    assert resp.status_code == 200 and resp.get_json()["success"] is False
    assert "JSON" in resp.get_json()["message"]
    body = client.post("/api/user/login", json={"username": 5, "password": "password123"}).get_json()
    assert body["success"] is False and "username" in body["message"]
    body = client.post("/api/user/login", json=["a"]).get_json()
    assert body["success"] is False


def test_banned_user_cannot_login(client, make_user):
    user = make_user(status=UserStatus.DISABLED)
    body = client.post("/api/user/login", json={"username": user.username, "password": "password123"}).get_json()
    assert body["success"] is False and "banned" in body["message"]


def test_password_login_disabled_only_root(app, client, make_user):
    user = make_user()
    set_options(app, PasswordLoginEnabled="false")
    body = client.post("/api/user/login", json={"username": user.username, "password": "password123"}).get_json()
    assert body["success"] is False and "disabled" in body["message"]
    assert login(client, "root", "123456")["role"] == 100


def test_logout_clears_session(client, make_user):
    user = make_user()
    login(client, user.username)
    assert client.get("/api/user/logout").get_json()["success"] is True
    resp = client.get("/api/user/self")
    assert resp.status_code == 401 and resp.get_json()["success"] is False


def test_register_creates_user_default_key_and_can_login(app, client):
    set_options(app, QuotaForNewUser=100)
    body = register(client, username="alice", display_name="Alice")
    assert body["success"] is True, body
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == "alice")).scalar_one()
        assert user.quota == 100 and user.role == Role.COMMON and user.display_name == "Alice"
        assert user.password != "password123" and user.password.startswith("$2")
        assert len(user.access_token) == 32 and user.aff_code
        tokens = db.session.execute(db.select(Token).where(Token.user_id == user.id)).scalars().all()
        assert [(t.name, t.unlimited_quota, t.remain_quota, t.expired_time) for t in tokens] == \
            [("default", True, -1, -1)]
        gift = db.session.execute(db.select(Log).where(Log.user_id == user.id)).scalars().all()
        assert [g.type for g in gift] == [LogType.SYSTEM]
    assert login(client, "alice")["username"] == "alice"


def test_register_duplicate_and_validation(client, make_user):
    make_user(username="taken")
    body = register(client, username="taken")
    assert body == {"success": False, "message": "username already exists", "data": None} or \
        (body["success"] is False and body["message"] == "username already exists")
    body = register(client, username="x" * 31)
    assert body["success"] is False and "username" in body["message"]
    body = register(client, username="short", password="1234567")
    assert body["success"] is False and "8 to 20" in body["message"]
    body = register(client, username="long", password="p" * 21)
    assert body["success"] is False and "8 to 20" in body["message"]
    body = register(client, username="   ")
    assert body["success"] is False and "username" in body["message"]
    body = register(client, username=["a"])
    assert body["success"] is False and "username" in body["message"]
    body = register(client, username="ok", email="not-an-email")
    assert body["success"] is False and "email" in body["message"]


def test_register_switches(app, client):
    set_options(app, RegisterEnabled="false")
    body = register(client, username="nope")
    assert body["success"] is False and "disabled" in body["message"]
    set_options(app, RegisterEnabled="true", PasswordRegisterEnabled="false")
    body = register(client, username="nope")
    assert body["success"] is False and "password registration" in body["message"]
    status = client.get("/api/status").get_json()["data"]
    assert status["password_register"] is False


def test_register_with_invitation_rewards(app, client, make_user):
    inviter = make_user(quota=10)
    set_options(app, QuotaForNewUser=5, QuotaForInvitee=7, QuotaForInviter=11)
    body = register(client, username="invitee", aff_code=inviter.aff_code)
    assert body["success"] is True, body
    with app.app_context():
        invitee = db.session.execute(db.select(User).where(User.username == "invitee")).scalar_one()
        assert invitee.quota == 12 and invitee.inviter_id == inviter.id
        assert db.session.get(User, inviter.id).quota == 21
        invitee_logs = db.session.execute(db.select(Log.content).where(Log.user_id == invitee.id)).scalars().all()
        inviter_logs = db.session.execute(db.select(Log).where(Log.user_id == inviter.id)).scalars().all()
        assert len(invitee_logs) == 2
        assert len(inviter_logs) == 1 and inviter_logs[0].type == LogType.SYSTEM
        assert "invitee" in inviter_logs[0].content


def test_register_email_verification_required(app, client):
    set_options(app, EmailVerificationEnabled="true")
    body = register(client, username="mailless")
    assert body["success"] is False and "verification code" in body["message"]
    body = register(client, username="mailless", email="a@gmail.com", verification_code="WRONG1")
    assert body["success"] is False and "invalid or has expired" in body["message"]
    set_options(app, EmailDomainRestrictionEnabled="true", EmailDomainWhitelist="example.org")
    body = register(client, username="mailless", email="a@gmail.com", verification_code="WRONG1")
    assert body["success"] is False and "whitelist" in body["message"]


def test_register_unknown_invitation_code_is_ignored(app, client, make_user):
    set_options(app, QuotaForInvitee=7)
    assert register(client, username="stale", aff_code="ZZZZ")["success"] is True
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == "stale")).scalar_one()
        assert user.inviter_id == 0 and user.quota == 0


def test_register_is_atomic_on_failure(app, client, make_user, monkeypatch):
    """A failure after the user row was flushed leaves nothing behind."""
    from oneapi.services import users as users_service

    def boom(*args, **kwargs):
        raise users_service.BadRequest("log store unavailable")

    set_options(app, QuotaForNewUser=5)
    monkeypatch.setattr(users_service, "record_log", boom)
    body = register(client, username="ghost")
    assert body == {"success": False, "message": "log store unavailable"}
    with app.app_context():
        assert db.session.execute(db.select(User).where(User.username == "ghost")).first() is None
        assert db.session.execute(db.select(Token).where(Token.name == "default")).first() is None


def test_concurrent_registration_of_one_name_creates_one_user(app):
    import threading

    results = []
    barrier = threading.Barrier(4)

    def worker():
        c = app.test_client()
        barrier.wait()
        results.append(c.post("/api/user/register", json={"username": "racer", "password": "password123"}))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(r.status_code == 200 for r in results)
    bodies = [r.get_json() for r in results]
    assert sum(b["success"] for b in bodies) == 1
    assert all(b["message"] == "username already exists" for b in bodies if not b["success"])
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(User.id)).where(User.username == "racer")).scalar_one() == 1


def test_multibyte_password_over_bcrypt_limit_is_refused(client, user_client):
    body = register(client, username="emoji", password="😀" * 20)
    assert body["success"] is False and "72 bytes" in body["message"]
    c, _ = user_client
    body = c.put("/api/user/self", json={"password": "😀" * 20}).get_json()
    assert body["success"] is False and "72 bytes" in body["message"]
    assert register(client, username="accent", password="pässwörd1")["success"] is True
    assert login(client, "accent", "pässwörd1")["username"] == "accent"
