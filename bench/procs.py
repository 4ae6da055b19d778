"""Process helpers for the benchmark: start in own process group, wait, stop, RSS."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

_STARTED: list["Proc"] = []


class Proc:
    def __init__(self, name: str, popen: subprocess.Popen, log_path: str):
        self.name = name
        self.popen = popen
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, n: int = 30) -> str:
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the whole process group, then SIGKILL what is left."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # The group may outlive its leader (workers): kill whatever remains.
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.popen.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass


def start(name: str, argv: list[str], log_dir: str, env: dict | None = None,
          cwd: str | None = None) -> Proc:
    log_path = os.path.join(log_dir, name + ".log")
    logf = open(log_path, "ab")
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    popen = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=full_env, cwd=cwd, start_new_session=True)
    logf.close()
    set_autogroup_nice(popen.pid)
    p = Proc(name, popen, log_path)
    _STARTED.append(p)
    return p


def set_autogroup_nice(pid: int) -> None:
    """With BENCH_NICE, also give pid's scheduler autogroup that niceness.

    Linux autogroups schedule each session as one unit: a process's nice value
    only ranks it inside its session, and every server started here opens its own
    session. Writing /proc/<pid>/autogroup is what ranks them against other jobs.
    """
    nice = os.environ.get("BENCH_NICE")
    if not nice:
        return
    try:
        with open("/proc/%d/autogroup" % pid, "w") as f:
            f.write(str(int(nice)))
    except OSError:
        pass


def stop_all() -> None:
    while _STARTED:
        p = _STARTED.pop()
        p.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: Proc, timeout: float, headers: dict | None = None) -> None:
    """Wait until url answers any HTTP status (< 500), or raise."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError("%s exited (rc=%s):\n%s" % (proc.name, proc.popen.returncode,
                                                          proc.log_tail()))
        try:
            req = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(req, timeout=2) as r:
                if r.status < 500:
                    return
        except urllib.error.HTTPError as e:
            if e.code < 500:
                return
            last = e
        except (OSError, ValueError) as e:
            last = e
        time.sleep(0.2)
    raise RuntimeError("%s not ready at %s after %.0fs (%s):\n%s" % (
        proc.name, url, timeout, last, proc.log_tail()))


def children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            out.append(int(d))
    return sorted(out)


def rss_mb(pid: int) -> float | None:
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        return None
    return None


def worker_rss(master_pid: int) -> dict:
    """VmRSS (MB) of each child of master_pid (gunicorn workers)."""
    return {str(p): rss_mb(p) for p in children(master_pid)}


def cpu_seconds(pid: int) -> float:
    """utime+stime of pid and its children already reaped are not included; live only."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo and len(out) < 1000:
        p = todo.pop()
        out.append(p)
        todo.extend(children(p))
    return out


def tree_cpu(pid: int) -> float:
    """CPU seconds (user+system) used so far by pid and its live descendants."""
    return sum(cpu_seconds(p) for p in descendants(pid))
