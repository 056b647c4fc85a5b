"""``ecotown server``: a command run by the warm server is the command run in its own process (same files, same
messages, same exit code), Ctrl-C and a killed caller stop it, and the server refuses what it cannot run faithfully.

Every test starts real processes: the ``ecotown`` console script (maps/cli/launch.py) and a server in a private
folder of its own (``ECOTOWN_RUNTIME_DIR``), and checks in the server's log that the command really went through
it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from maps.cli import launch
from maps.cli.server import code_fingerprint

ECOTOWN = str(Path(sys.executable).with_name("ecotown"))
#: a deadline for states a busy machine reaches late (the server imports the whole stack first); never a wait
DEADLINE_S = 180.0


def _wait_for(state, what: str, deadline: float = DEADLINE_S):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = state()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def runtime(monkeypatch):
    """A private runtime folder (short: a socket path may hold 107 bytes) and the environment that uses it."""
    folder = Path(tempfile.mkdtemp(prefix="et-"))
    monkeypatch.setenv("ECOTOWN_RUNTIME_DIR", str(folder))
    monkeypatch.delenv("ECOTOWN_NO_SERVER", raising=False)
    env = dict(os.environ)
    yield folder, env
    subprocess.run([ECOTOWN, "server", "stop", "-q"], env=env, capture_output=True, timeout=DEADLINE_S)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def server(runtime):
    folder, env = runtime
    r = subprocess.run([ECOTOWN, "server", "start", "--idle", "30"], env=env, capture_output=True, text=True,
                       timeout=DEADLINE_S)
    assert r.returncode == 0, r.stdout + r.stderr
    log = launch.socket_path().with_suffix(".log")
    assert "imported" in log.read_text(encoding="utf-8")
    return env, log


def _served(log: Path) -> list[str]:
    return re.findall(r"command \d+ \(pid \d+\): ecotown (.*)", log.read_text(encoding="utf-8"))


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _same_text(a: str, b: str, *paths: tuple[str, str]) -> tuple[str, str]:
    """The two outputs with each step's seconds and the two output folders made alike."""
    for pa, pb in paths:
        a, b = a.replace(pa, "OUT"), b.replace(pb, "OUT")
    secs = re.compile(r"^ *\d+\.\ds ", re.M)
    return secs.sub("T ", a), secs.sub("T ", b)


def test_a_command_through_the_server_is_the_command_in_its_own_process(server, tiny_town, tmp_path):
    env, log = server
    cold = {**env, "ECOTOWN_NO_SERVER": "1"}
    cases = [
        ["buffer", "-c", str(tiny_town), "--rings", "500,1000,5000", "-o", "{out}"],       # gpkg + csv
        ["buffer", "-c", str(tiny_town), "--format", "csv,parquet", "-q", "-o", "{out}"],
        ["buffer", "-c", str(tmp_path / "no-such.yaml"), "-o", "{out}"],                   # exit 3, message
        ["buffer", "-c", str(tiny_town), "--rings", "5000,500", "-o", "{out}"],           # exit 3
        ["buffer", "--no-such-option"],                                                    # usage: exit 2
        ["layers", "list", "-c", str(tiny_town)],                                          # a table on stdout
        ["--version"],
    ]
    for i, case in enumerate(cases):
        outs = {}
        for how, e in (("server", env), ("cold", cold)):
            out = tmp_path / f"{how[:3]}-{i}"  # names of one length: rich wraps the two messages alike
            before = len(_served(log))
            r = subprocess.run([ECOTOWN, *(a.replace("{out}", str(out)) for a in case)], env=e, cwd=tmp_path,
                               capture_output=True, timeout=DEADLINE_S)
            assert len(_served(log)) == before + (how == "server"), (how, case)  # it went where it was sent
            outs[how] = (r, out)
        (rs, out_s), (rc, out_c) = outs["server"], outs["cold"]
        assert rs.returncode == rc.returncode, (case, rs.stderr, rc.stderr)
        paths = (str(out_s), str(out_c))
        for stream in ("stdout", "stderr"):
            a, b = _same_text(getattr(rs, stream).decode(), getattr(rc, stream).decode(), paths)
            assert a == b, (case, stream)
        assert _tree(out_s) == _tree(out_c), case
    assert [c.split()[0] for c in _served(log)] == ["buffer", "buffer", "buffer", "buffer", "buffer", "layers",
                                                    "--version"]
    assert re.search(r"exit 3: [\d.]+ s, peak \d+ KB", log.read_text(encoding="utf-8"))


def test_the_sample_assessed_through_the_server_writes_the_same_files(server, tmp_path):
    env, log = server
    for how, e in (("server", env), ("cold", {**env, "ECOTOWN_NO_SERVER": "1"})):
        r = subprocess.run([ECOTOWN, "assess", "--year", "2026", "-q", "--out", str(tmp_path / how)], env=e,
                           cwd=tmp_path, capture_output=True, text=True, timeout=DEADLINE_S)
        assert r.returncode == 0, r.stderr
    assert _served(log) == [f"assess --year 2026 -q --out {tmp_path / 'server'}"]
    a, b = _tree(tmp_path / "server"), _tree(tmp_path / "cold")
    assert sorted(a) == sorted(b) and len(a) > 10
    created = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")  # the creation time, in these two only
    for name in a:
        if name in ("manifest.json", "report.html"):
            assert created.sub(b"T", a[name]) == created.sub(b"T", b[name]), name
        else:
            assert a[name] == b[name], name


def test_another_environment_runs_the_command_in_its_own_process(server, tiny_town, tmp_path):
    env, log = server
    other = {**env, "ECOTOWN_SOMETHING": "else", "TERM": "dumb", "COLUMNS": "100"}
    r = subprocess.run([ECOTOWN, "buffer", "-c", str(tiny_town), "-q", "--format", "csv", "-o", str(tmp_path / "o")],
                       env=other, capture_output=True, text=True, timeout=DEADLINE_S)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "exposure.csv").exists()
    assert _served(log) == []
    assert "refused: started in another environment (ECOTOWN_SOMETHING)" in log.read_text(encoding="utf-8")
    status = subprocess.run([ECOTOWN, "server", "status"], env=env, capture_output=True, text=True, timeout=DEADLINE_S)
    assert "1 command declined and run on their own; the last: started in another environment (ECOTOWN_SOMETHING)" \
        in status.stdout
    # the terminal's variables alone do not matter: served, and the command sees them
    term = {**env, "TERM": "dumb", "COLUMNS": "100"}
    r = subprocess.run([ECOTOWN, "buffer", "-c", str(tiny_town), "-q", "--format", "csv", "-o", str(tmp_path / "p")],
                       env=term, capture_output=True, text=True, timeout=DEADLINE_S)
    assert r.returncode == 0 and len(_served(log)) == 1


def test_start_status_stop_and_the_idle_stop(runtime):
    _folder, env = runtime
    status = [ECOTOWN, "server", "status"]
    r = subprocess.run(status, env=env, capture_output=True, text=True, timeout=DEADLINE_S)
    assert r.returncode == 1 and "no ecotown server is running" in r.stdout
    start = [ECOTOWN, "server", "start", "--idle", "0.02"]  # 1.2 s without a command
    assert subprocess.run(start, env=env, capture_output=True, timeout=DEADLINE_S).returncode == 0
    # stopping by itself after the idle time is a state: wait for it
    _wait_for(lambda: subprocess.run(status, env=env, capture_output=True, timeout=DEADLINE_S).returncode == 1,
              "the server to stop when idle")
    assert "stopping: idle for 0.02 min" in launch.socket_path().with_suffix(".log").read_text(encoding="utf-8")
    assert not launch.socket_path().exists()
    # and once more, stopped by hand; a second start finds it running
    assert subprocess.run([ECOTOWN, "server", "start"], env=env, capture_output=True,
                          timeout=DEADLINE_S).returncode == 0
    r = subprocess.run([ECOTOWN, "server", "start"], env=env, capture_output=True, text=True, timeout=DEADLINE_S)
    assert r.returncode == 0 and "already running" in r.stdout
    r = subprocess.run(status, env=env, capture_output=True, text=True, timeout=DEADLINE_S)
    assert r.returncode == 0 and "ecotown server running" in r.stdout
    r = subprocess.run([ECOTOWN, "server", "stop"], env=env, capture_output=True, text=True, timeout=DEADLINE_S)
    assert r.returncode == 0 and "stopped" in r.stdout
    assert subprocess.run(status, env=env, capture_output=True, timeout=DEADLINE_S).returncode == 1


def test_the_socket_folder_must_be_private(runtime):
    folder, env = runtime
    folder.chmod(0o755)
    r = subprocess.run([ECOTOWN, "server", "start"], env=env, capture_output=True, text=True, timeout=DEADLINE_S)
    assert r.returncode == 1 and "only this user may open" in r.stderr
    assert not launch.socket_path().exists()
    folder.chmod(0o700)


#: a server whose command, instead of an ecotown command, notes its process id and waits to be stopped
WAITING_SERVER = """
import os, sys, time
import maps.cli.main as m
def main(prog_name=None):
    open(os.environ["MARK"] + ".tmp", "w").write(str(os.getpid()))
    os.rename(os.environ["MARK"] + ".tmp", os.environ["MARK"])
    time.sleep(600)
m.main = main
from maps.cli.server import _main
_main(["--idle", "30"])
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a child the server has not reaped yet is a zombie: stopped all the same
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("how", ["ctrl-c", "caller killed", "server killed"])
def test_ctrl_c_and_a_killed_caller_or_server_stop_the_command(runtime, tmp_path, how):
    _folder, env = runtime
    mark = tmp_path / "pid"
    env = {**env, "MARK": str(mark)}
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        srv = subprocess.Popen([sys.executable, "-c", WAITING_SERVER], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(lambda: launch.socket_path().exists() and
                  subprocess.run([ECOTOWN, "server", "status"], env=env, capture_output=True).returncode == 0,
                  "the server to answer")
        client = subprocess.Popen([ECOTOWN, "buffer"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        pid = int(_wait_for(lambda: mark.exists() and mark.read_text(), "the command to start"))
        assert _alive(pid) and pid != client.pid
        if how == "ctrl-c":
            client.send_signal(signal.SIGINT)
            assert client.wait(timeout=DEADLINE_S) == 130  # KeyboardInterrupt in the command, as in its own process
        elif how == "caller killed":
            client.kill()
            client.wait(timeout=DEADLINE_S)
        else:
            srv.kill()
            assert client.wait(timeout=DEADLINE_S) == 1
            assert "the ecotown server stopped while it ran the command" in client.stderr.read().decode()
        _wait_for(lambda: not _alive(pid), "the command to stop")
        if how == "caller killed":
            _wait_for(lambda: f"the caller of pid {pid} left" in log.read_text(encoding="utf-8"), "the log line")
    finally:
        srv.send_signal(signal.SIGTERM)
        srv.wait(timeout=DEADLINE_S)
    assert not launch.socket_path().exists() or how == "server killed"  # a killed server leaves its socket


def test_a_changed_file_changes_the_fingerprint(tmp_path):
    for package in ("geo", "layers", "criteria", "maps"):
        (tmp_path / package / "__pycache__").mkdir(parents=True)
        (tmp_path / package / "a.py").write_text("x = 1\n")
        (tmp_path / package / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"0")
    first = code_fingerprint(tmp_path)
    (tmp_path / "maps" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"1")  # compiled files do not count
    assert code_fingerprint(tmp_path) == first
    os.utime(tmp_path / "criteria" / "a.py", ns=(1, 1))
    assert code_fingerprint(tmp_path) != first
    second = code_fingerprint(tmp_path)
    (tmp_path / "layers" / "roles.yaml").write_text("a: 1\n")  # data files count too
    assert code_fingerprint(tmp_path) != second


def test_the_client_imports_only_the_standard_library():
    code = "import sys; import maps.cli.launch; print(sorted(m.split('.')[0] for m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(eval(r.stdout))  # noqa: S307 - our own printout
    assert not loaded & {"numpy", "pandas", "geopandas", "pyproj", "pyogrio", "typer", "rich", "geo", "layers",
                         "criteria", "yaml"}


def test_a_server_in_the_foreground_stops_on_ctrl_c(runtime, tiny_town, tmp_path):
    _folder, env = runtime
    log = tmp_path / "fg.log"
    with open(log, "wb") as out:
        fg = subprocess.Popen([ECOTOWN, "server", "start", "--foreground", "--idle", "30"], env=env, stdout=out,
                              stderr=subprocess.STDOUT)
    try:
        _wait_for(lambda: subprocess.run([ECOTOWN, "server", "status"], env=env, capture_output=True).returncode == 0,
                  "the server to answer")
        r = subprocess.run([ECOTOWN, "buffer", "-c", str(tiny_town), "-q", "--format", "csv", "-o",
                            str(tmp_path / "o")], env=env, capture_output=True, text=True, timeout=DEADLINE_S)
        assert r.returncode == 0, r.stderr
        assert "command 1 (pid" in log.read_text(encoding="utf-8")
        fg.send_signal(signal.SIGINT)  # the process started is the server itself (exec), so Ctrl-C reaches it
        assert fg.wait(timeout=DEADLINE_S) == 0
    finally:
        if fg.poll() is None:
            fg.kill()
    text = log.read_text(encoding="utf-8")
    assert "stopping: interrupted" in text and "stopped after 1 command\n" in text and "Traceback" not in text
    assert not launch.socket_path().exists()


def _on_terminal(cmd: list[str], env: dict) -> tuple[int, str]:
    """Run ``cmd`` with a pseudo-terminal as its stdin, stdout and stderr; its exit code and all it drew."""
    master, slave = os.openpty()
    proc = subprocess.Popen(cmd, env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    drawn = bytearray()
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every holder of the terminal (the client and the command) has closed it
            break
        if not data:
            break
        drawn += data
    os.close(master)
    return proc.wait(timeout=DEADLINE_S), drawn.decode("utf-8", "replace")


def test_on_a_terminal_the_command_draws_as_in_its_own_process(server, tiny_town, tmp_path):
    env, log = server
    runs = {}
    for how, e in (("server", env), ("cold", {**env, "ECOTOWN_NO_SERVER": "1"})):
        runs[how] = _on_terminal([ECOTOWN, "buffer", "-c", str(tiny_town), "--format", "csv", "-o",
                                  str(tmp_path / how[:3])], e)
    assert len(_served(log)) == 1
    for how, (code, drawn) in runs.items():
        assert code == 0, drawn
        # colours and the spinner: the consoles were made for this terminal, not for the server's /dev/null
        assert "\x1b[32m" in drawn and "\x1b[2m" in drawn and "Wrote 3 files" in drawn, (how, drawn)
    last = {how: drawn.replace(str(tmp_path / how[:3]), "OUT").strip().splitlines()[-1]
            for how, (_c, drawn) in runs.items()}
    assert last["server"] == last["cold"] and "pairs;" in last["server"]


def test_a_second_server_for_the_installation_stops_at_once(server):
    env, log = server
    r = subprocess.run([sys.executable, "-m", "maps.cli.server"], env=env, capture_output=True, text=True,
                       timeout=DEADLINE_S)
    assert r.returncode == 1 and "another server for this installation is running or starting" in r.stderr
    assert "imported" not in r.stdout  # it stopped before the imports
    assert subprocess.run([ECOTOWN, "server", "status"], env=env, capture_output=True).returncode == 0


def test_a_signal_before_the_command_is_known_is_passed_on_when_it_is():
    """Ctrl-C between the request and the answer (the command may already run) is kept, then passed on; with no
    command started it is raised here."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
    relay = launch._SignalRelay()
    try:
        signal.raise_signal(signal.SIGTERM)
        assert relay.pending == [signal.SIGTERM] and sleeper.poll() is None
        relay.to(sleeper.pid)  # its own group, as the server makes each command
        assert sleeper.wait(timeout=DEADLINE_S) == -signal.SIGTERM
    finally:
        relay.restore()
        if sleeper.poll() is None:
            sleeper.kill()
    before = signal.getsignal(signal.SIGINT)
    relay = launch._SignalRelay()
    signal.raise_signal(signal.SIGINT)
    assert relay.pending == [signal.SIGINT]
    signal.signal(signal.SIGINT, signal.default_int_handler)  # the handler the console script starts with
    relay.old[signal.SIGINT] = signal.default_int_handler
    with pytest.raises(KeyboardInterrupt):
        relay.give_back()  # refused: nothing runs elsewhere, so Ctrl-C stops this process
    signal.signal(signal.SIGINT, before)
