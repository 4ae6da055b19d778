"""Done-when checks of issue 4 with real clients: Claude Code (npm ``@anthropic-ai/claude-code``, ``claude -p``)
against the gateway under gunicorn + gevent, whose only channel is an OpenAI-format upstream
(a scripted mock: a ``Read`` tool call, then text quoting the tool result). Claude Code must
answer, complete the tool call, and both turns must be billed and logged exactly.

Install the client with ``make claude-code`` (mk/formats.mk); the test skips only when it is
absent. Offline: Claude Code talks to nothing but the gateway.
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


@pytest.fixture(scope="module")
def claude():
    path = _claude_binary()
    if path is None:
        pytest.skip("Claude Code is not installed (make claude-code)")
    return path


def test_claude_code_answers_and_completes_a_tool_call(claude, tmp_path):
    work = tmp_path / "work"
    home = tmp_path / "home"
    work.mkdir()
    home.mkdir()
    (work / "secret.txt").write_text("The secret word is BANANA-42.\n")
    mock = start_scripted_chat(tool_name="Read", tool_args={"file_path": str(work / "secret.txt")},
                               text="Hello from the scripted model")
    (tmp_path / "gw").mkdir()
    gw = None
    try:
        gw = Gateway(tmp_path / "gw").start()
        gw.add_channel(mock.url, models="gpt-4o-mini,claude-haiku-4-5,claude-sonnet-4-5", type_=8)
        user_id = gw.add_user(quota=QUOTA)
        key = gw.add_token(user_id)
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "TERM": "dumb",
               "ANTHROPIC_BASE_URL": gw.url, "ANTHROPIC_AUTH_TOKEN": f"sk-{key}",
               "ANTHROPIC_SMALL_FAST_MODEL": "claude-haiku-4-5", "DISABLE_TELEMETRY": "1",
               "DISABLE_AUTOUPDATER": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
               "DISABLE_ERROR_REPORTING": "1"}
        proc = subprocess.run([claude, "-p", "Read secret.txt and tell me the secret word", "--model", "gpt-4o-mini",
                               "--output-format", "json"], cwd=work, env=env, capture_output=True, text=True,
                              timeout=90, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-2000:], gw.logs_text()[-2000:])
        result = json.loads(proc.stdout)
        assert result["subtype"] == "success" and not result["is_error"], result
        assert "BANANA-42" in result["result"] and result["num_turns"] >= 2

        bodies = mock.chat_bodies()
        assert len(bodies) >= 2
        first = next(b for b in bodies if any((t.get("function") or {}).get("name") == "Read"
                                              for t in b.get("tools") or []))
        assert first["stream"] is True and first["stream_options"] == {"include_usage": True}
        answered = [b for b in bodies if b["messages"][-1]["role"] == "tool"]
        assert answered and "BANANA-42" in json.dumps(answered[-1]["messages"][-1])
        call_id = answered[-1]["messages"][-1]["tool_call_id"]
        assert any(c["id"] == call_id for c in answered[-1]["messages"][-2]["tool_calls"])

        rows = gw.wait_for(lambda: (r := gw.logs(user_id=user_id)) and len(r) >= len(bodies) and r, timeout=15)
        assert len(rows) == len(bodies)
        assert len({r["request_id"] for r in rows}) == len(rows)
        for row in rows:
            meta = json.loads(row["metadata"])
            assert meta["user_api_format"] == "anthropic_messages" and meta["upstream_api_format"] == "openai_chat"
            assert row["prompt_tokens"] == 21 and row["completion_tokens"] == 8
        assert QUOTA - gw.row(User, user_id)["quota"] == sum(r["quota"] for r in rows)
    finally:
        if gw is not None:
            gw.stop()
        mock.stop()


# ---------------------------------------------------------------------------- Codex (npm @openai/codex)

CODEX_DIR = Path(os.environ.get("CODEX_DIR") or Path.home() / ".cache" / "oneapi-codex")


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


def test_codex_exec_tool_call_through_chat_channel(tmp_path):
    """``codex exec`` speaks the Response API (streaming, function tools); the only channel is
    an OpenAI chat upstream, so every turn is converted both ways and billed."""
    codex = _codex_binary()
    if codex is None:
        pytest.skip("Codex is not installed (make codex)")
    work, home, codex_home = tmp_path / "work", tmp_path / "home", tmp_path / "codex"
    for d in (work, home, codex_home, tmp_path / "gw"):
        d.mkdir()
    (work / "secret.txt").write_text("The secret word is BANANA-42.\n")
    mock = start_scripted_chat(tool_name="exec_command", tool_args={"cmd": "cat secret.txt"})
    gw = None
    try:
        gw = Gateway(tmp_path / "gw").start()
        gw.add_channel(mock.url, models="gpt-4o-mini", type_=8)
        user_id = gw.add_user(quota=QUOTA)
        key = gw.add_token(user_id)
        (codex_home / "config.toml").write_text(
            'model = "gpt-4o-mini"\nmodel_provider = "oneapi"\n\n[model_providers.oneapi]\nname = "oneapi"\n'
            f'base_url = "{gw.url}/v1"\nenv_key = "ONEAPI_KEY"\nwire_api = "responses"\n')
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "CODEX_HOME": str(codex_home),
               "ONEAPI_KEY": f"sk-{key}", "TERM": "dumb"}
        proc = subprocess.run([codex, "exec", "--skip-git-repo-check", "Print the secret in secret.txt"],
                              cwd=work, env=env, capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-2000:])
        assert "Tool said:" in proc.stdout and "BANANA-42" in proc.stdout
        bodies = mock.chat_bodies()
        answered = [b for b in bodies if b["messages"][-1]["role"] == "tool"]
        assert answered and "BANANA-42" in answered[-1]["messages"][-1]["content"]
        rows = gw.wait_for(lambda: (r := gw.logs(user_id=user_id)) and len(r) >= len(bodies) and r, timeout=15)
        assert len(rows) == len(bodies) >= 2
        for row in rows:
            meta = json.loads(row["metadata"])
            assert meta["user_api_format"] == "openai_responses" and meta["upstream_api_format"] == "openai_chat"
        assert QUOTA - gw.row(User, user_id)["quota"] == sum(r["quota"] for r in rows)
    finally:
        if gw is not None:
            gw.stop()
        mock.stop()
