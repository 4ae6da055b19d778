"""Done-when checks of issue 4 with real clients: Claude Code (npm ``@anthropic-ai/claude-code``, ``claude -p``)
against the gateway under gunicorn + gevent, whose only channel is an OpenAI-format upstream
(a scripted mock: a ``Read`` tool call, then text quoting the tool result). Claude Code must
answer, complete the tool call, and both turns must be billed and logged exactly.

Install the clients with ``make claude-code codex`` (mk/formats.mk); each test skips only when its
client is absent. Offline: the clients talk to nothing but the gateway. Codex: ``codex exec``
with a custom ``wire_api = "responses"`` provider.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from oneapi.models import User
from tests.mocks.gateway import Gateway
from tests.mocks.scripted_chat import start_scripted_chat

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]

INSTALL_DIR = Path(os.environ.get("CLAUDE_CODE_DIR") or Path.home() / ".cache" / "oneapi-claude-code")
QUOTA = 50_000_000


def _claude_binary() -> str | None:
    candidates = [os.environ.get("CLAUDE_CODE_BIN") or "",
                  str(INSTALL_DIR / "node_modules" / "@anthropic-ai" / "claude-code-linux-x64" / "claude"),
                  str(INSTALL_DIR / "node_modules" / ".bin" / "claude"),
                  shutil.which("claude") or ""]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            try:
                out = subprocess.run([path, "--version"], capture_output=True, timeout=30, text=True)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if out.returncode == 0 and "Claude Code" in out.stdout:
                return path
    return None


CODEX_DIR = Path(os.environ.get("CODEX_DIR") or Path.home() / ".cache" / "oneapi-codex")
SECRET = "The secret word is BANANA-42.\n"


def _codex_binary() -> str | None:
    for path in (os.environ.get("CODEX_BIN") or "", str(CODEX_DIR / "node_modules" / ".bin" / "codex"),
                 shutil.which("codex") or ""):
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            try:
                out = subprocess.run([path, "--version"], capture_output=True, timeout=30, text=True)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if out.returncode == 0 and "codex" in out.stdout.lower():
                return path
    return None


@pytest.fixture(scope="module")
def clients():
    found = {"claude": _claude_binary(), "codex": _codex_binary()}
    if not any(found.values()):
        pytest.skip("neither Claude Code nor Codex is installed (make claude-code codex)")
    return found


@pytest.fixture(scope="module")
def setup(clients, tmp_path_factory):
    """One gateway; each client gets its own scripted OpenAI-chat channel (its own tool)."""
    root = tmp_path_factory.mktemp("clients")
    work = root / "work"
    work.mkdir()
    (work / "secret.txt").write_text(SECRET)
    mocks = {"claude": start_scripted_chat(tool_name="Read", tool_args={"file_path": str(work / "secret.txt")},
                                           text="Hello from the scripted model"),
             "codex": start_scripted_chat(tool_name="exec_command", tool_args={"cmd": "cat secret.txt"})}
    gw = None
    try:
        (root / "gw").mkdir()
        gw = Gateway(root / "gw").start()
        gw.add_channel(mocks["claude"].url, models="gpt-4o-mini,claude-haiku-4-5,claude-sonnet-4-5", type_=8)
        gw.add_channel(mocks["codex"].url, models="codex-model", type_=8)
        yield {"gw": gw, "mocks": mocks, "work": work, "root": root}
    finally:
        if gw is not None:
            gw.stop()
        for mock in mocks.values():
            mock.stop()


def _account(gw) -> tuple[int, str]:
    user_id = gw.add_user(quota=QUOTA)
    return user_id, gw.add_token(user_id)


def _check_rows(gw, user_id: int, bodies: list, user_format: str) -> None:
    rows = gw.wait_for(lambda: (r := gw.logs(user_id=user_id)) and len(r) >= len(bodies) and r, timeout=15)
    assert len(rows) == len(bodies) >= 2
    assert len({r["request_id"] for r in rows}) == len(rows)
    for row in rows:
        meta = json.loads(row["metadata"])
        assert meta["user_api_format"] == user_format and meta["upstream_api_format"] == "openai_chat"
        assert row["prompt_tokens"] == 21 and row["completion_tokens"] == 8
    assert QUOTA - gw.row(User, user_id)["quota"] == sum(r["quota"] for r in rows)


def test_claude_code_answers_and_completes_a_tool_call(clients, setup):
    if not clients["claude"]:
        pytest.skip("Claude Code is not installed (make claude-code)")
    gw, mock = setup["gw"], setup["mocks"]["claude"]
    home = setup["root"] / "home-claude"
    home.mkdir()
    user_id, key = _account(gw)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "TERM": "dumb",
           "ANTHROPIC_BASE_URL": gw.url, "ANTHROPIC_AUTH_TOKEN": f"sk-{key}",
           "ANTHROPIC_SMALL_FAST_MODEL": "claude-haiku-4-5", "DISABLE_TELEMETRY": "1",
           "DISABLE_AUTOUPDATER": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
           "DISABLE_ERROR_REPORTING": "1"}
    proc = subprocess.run([clients["claude"], "-p", "Read secret.txt and tell me the secret word",
                           "--model", "gpt-4o-mini", "--output-format", "json"], cwd=setup["work"], env=env,
                          capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-2000:], gw.logs_text()[-2000:])
    result = json.loads(proc.stdout)
    assert result["subtype"] == "success" and not result["is_error"], result
    assert "BANANA-42" in result["result"] and result["num_turns"] >= 2

    bodies = mock.chat_bodies()
    first = next(b for b in bodies if any((t.get("function") or {}).get("name") == "Read"
                                          for t in b.get("tools") or []))
    assert first["stream"] is True and first["stream_options"] == {"include_usage": True}
    answered = [b for b in bodies if b["messages"][-1]["role"] == "tool"]
    assert answered and "BANANA-42" in json.dumps(answered[-1]["messages"][-1])
    call_id = answered[-1]["messages"][-1]["tool_call_id"]
    assert any(c["id"] == call_id for c in answered[-1]["messages"][-2]["tool_calls"])
    _check_rows(gw, user_id, bodies, "anthropic_messages")


def test_codex_exec_tool_call_through_chat_channel(clients, setup):
    """``codex exec`` speaks the Response API (streaming, function tools); its channel is an
    OpenAI chat upstream, so every turn is converted both ways and billed."""
    if not clients["codex"]:
        pytest.skip("Codex is not installed (make codex)")
    gw, mock = setup["gw"], setup["mocks"]["codex"]
    home, codex_home = setup["root"] / "home-codex", setup["root"] / "codex"
    home.mkdir()
    codex_home.mkdir()
    user_id, key = _account(gw)
    (codex_home / "config.toml").write_text(
        'model = "codex-model"\nmodel_provider = "oneapi"\n\n[model_providers.oneapi]\nname = "oneapi"\n'
        f'base_url = "{gw.url}/v1"\nenv_key = "ONEAPI_KEY"\nwire_api = "responses"\n')
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "CODEX_HOME": str(codex_home),
           "ONEAPI_KEY": f"sk-{key}", "TERM": "dumb"}
    proc = subprocess.run([clients["codex"], "exec", "--skip-git-repo-check", "Print the secret in secret.txt"],
                          cwd=setup["work"], env=env, capture_output=True, text=True, timeout=90,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Tool said:" in proc.stdout and "BANANA-42" in proc.stdout
    bodies = mock.chat_bodies()
    answered = [b for b in bodies if b["messages"][-1]["role"] == "tool"]
    assert answered and "BANANA-42" in answered[-1]["messages"][-1]["content"]
    _check_rows(gw, user_id, bodies, "openai_responses")
