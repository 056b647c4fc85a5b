"""The ``ecotown`` console script: run the command through a warm ``ecotown server`` when one is running for this
installation, else in this process.

A command's own work at province scale takes a fifth of a second; starting Python's geospatial stack (pandas,
geopandas, pyproj, GDAL, the CLI) takes three times that, at every command. ``ecotown server start`` keeps one
process with that stack imported; for each command it forks a child that runs the command exactly as this
process would (same arguments, folder, environment, umask, and this terminal's stdin, stdout and stderr, passed
over the socket), and returns its exit code. So the work is done in a fresh process each time and nothing is kept
from one command to the next; only the import is shared.

This module is the client. It imports nothing beyond the standard library, so a command that goes through the
server pays only for Python itself. Without a server (none started, another machine, Windows, or
``ECOTOWN_NO_SERVER=1``), or when the server refuses (it was started in a different environment, or ecotown's
files changed since), the command runs here as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import stat
import struct
import sys
from pathlib import Path

from . import ORIGINAL_ENV

__all__ = ["main", "socket_path", "runtime_dir", "significant_env", "send_message", "recv_message",
           "ServerUnavailable", "SUPPORTED", "RELAYED_SIGNALS"]

#: fork, Unix sockets that carry file descriptors, and pidfds: Linux
SUPPORTED = hasattr(os, "fork") and hasattr(socket, "send_fds") and hasattr(os, "pidfd_open")

#: environment variables read while the server imports its libraries (locale, Python, GDAL/PROJ, thread counts,
#: allocators, caches): a command is run by the server only when these equal the server's. Every other variable
#: (terminal, PATH, ...) is simply given to the command's process.
SIGNIFICANT_PREFIXES = ("PYTHON", "LANG", "LC_", "TZ", "GDAL", "OGR", "CPL", "PROJ", "ECOTOWN", "OMP_", "OPENBLAS",
                        "MKL", "NUMEXPR", "NUMBA", "ARROW", "MALLOC", "JE_", "LD_", "HOME", "XDG_CACHE_HOME",
                        "XDG_CONFIG_HOME", "XDG_DATA_HOME", "MPL", "TMP", "TEMP", "VIRTUAL_ENV", "CONDA", "PYOGRIO",
                        "SHAPELY", "GEOPANDAS", "USE_PYGEOS")
#: variables that name the client's own situation and never reach the libraries
IGNORED = ("ECOTOWN_NO_SERVER",)

#: the signals a caller passes on to its command: Ctrl-C, termination, hang-up, quit (the server holds these back
#: while it forks, so a new command never runs the server's own handlers)
RELAYED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)

_HEADER = struct.Struct("!I")
MAX_MESSAGE = 16 * 1024 * 1024


class ServerUnavailable(Exception):
    """No server answers on this installation's socket (or it answered with something unreadable)."""


def significant_env(env: dict[str, str]) -> dict[str, str]:
    """The part of ``env`` that must equal the server's for it to run a command."""
    return {k: v for k, v in sorted(env.items())
            if k.upper().startswith(SIGNIFICANT_PREFIXES) and k not in IGNORED}


def runtime_dir() -> Path:
    """The private folder of this user's server sockets and logs: ``$ECOTOWN_RUNTIME_DIR``, else
    ``$XDG_RUNTIME_DIR/ecotown``, else ``<tmp>/ecotown-<uid>``."""
    if os.environ.get("ECOTOWN_RUNTIME_DIR"):
        return Path(os.environ["ECOTOWN_RUNTIME_DIR"])
    if os.environ.get("XDG_RUNTIME_DIR"):
        return Path(os.environ["XDG_RUNTIME_DIR"]) / "ecotown"
    import tempfile

    return Path(tempfile.gettempdir()) / f"ecotown-{os.getuid()}"


def _installation() -> str:
    """This installation: the Python and the folder ecotown's packages are imported from."""
    here = Path(__file__).resolve().parent.parent.parent
    return f"{sys.executable}\n{sys.prefix}\n{here}"


def socket_path() -> Path:
    """This installation's server socket (one server per Python and ecotown checkout)."""
    key = hashlib.sha256(_installation().encode()).hexdigest()[:12]
    return runtime_dir() / f"server-{key}.sock"


def private_dir_ok(folder: Path) -> bool:
    """True when ``folder`` is a directory of this user that no one else may read or write."""
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077


def send_message(sock: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    """One length-prefixed JSON message, with ``fds`` passed alongside (SCM_RIGHTS)."""
    data = json.dumps(message, ensure_ascii=False).encode()
    frame = _HEADER.pack(len(data)) + data
    if fds:
        sent = socket.send_fds(sock, [frame], fds)
        frame = frame[sent:]
    sock.sendall(frame)


def recv_message(sock: socket.socket, maxfds: int = 0) -> tuple[dict | None, list[int]]:
    """The next message (None when the peer closed first) and any file descriptors that came with it."""
    fds: list[int] = []
    if maxfds:
        data, fds, _flags, _addr = socket.recv_fds(sock, 65536, maxfds)
    else:
        data = sock.recv(65536)
    if not data:
        return None, fds
    while len(data) < _HEADER.size:
        more = sock.recv(_HEADER.size - len(data))
        if not more:
            raise ServerUnavailable("the connection closed inside a message")
        data += more
    (size,) = _HEADER.unpack_from(data)
    if size > MAX_MESSAGE:
        raise ServerUnavailable(f"a message of {size} bytes")
    body = bytearray(data[_HEADER.size:])
    while len(body) < size:
        more = sock.recv(min(65536, size - len(body)))
        if not more:
            raise ServerUnavailable("the connection closed inside a message")
        body += more
    if len(body) > size:  # the peer sends one message and waits for the answer: nothing may follow it
        raise ServerUnavailable("more bytes than the message holds")
    return json.loads(bytes(body)), fds


def connect(timeout: float | None = 5.0) -> socket.socket:
    """A connection to this installation's server; ServerUnavailable when none listens."""
    path = socket_path()
    if not SUPPORTED or not private_dir_ok(path.parent):
        raise ServerUnavailable("no server")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
    except OSError as exc:
        sock.close()
        raise ServerUnavailable(str(exc)) from None
    return sock


def _stream(f) -> dict:
    return {"encoding": getattr(f, "encoding", None) or "utf-8", "errors": getattr(f, "errors", None) or "strict"}


def request(sock: socket.socket, message: dict) -> dict:
    """Send ``message`` and return the answer."""
    send_message(sock, message)
    answer, _ = recv_message(sock)
    if answer is None:
        raise ServerUnavailable("the server closed the connection")
    return answer


def run_via_server(argv: list[str]) -> int | None:
    """Run ``ecotown argv`` in a child of the server; its exit code, or None to run it here."""
    if os.environ.get("ECOTOWN_NO_SERVER") or not SUPPORTED or (argv[:1] == ["server"]):
        return None  # ``ecotown server ...`` manages the server: always here
    try:
        sock = connect()
    except ServerUnavailable:
        return None
    with sock:
        for f in (sys.stdout, sys.stderr):
            try:
                f.flush()
            except (OSError, ValueError, AttributeError):
                pass
        umask = os.umask(0)
        os.umask(umask)
        try:
            cwd = os.getcwd()
        except OSError:  # a folder deleted under the shell: the command says so in its own words
            return None
        message = {"op": "run", "argv": argv, "prog": os.path.basename(sys.argv[0]) or "ecotown", "cwd": cwd,
                   "env": ORIGINAL_ENV, "umask": umask,
                   "stdin": _stream(sys.stdin), "stdout": _stream(sys.stdout), "stderr": _stream(sys.stderr)}
        # Ctrl-C and the like are passed on from before the request goes out: the command may start (and be
        # interrupted) before its process id is back here; a signal that comes first is passed on then
        relay = _SignalRelay()
        try:
            try:
                send_message(sock, message, [0, 1, 2])  # a bad descriptor (stdin closed) fails here: run here
            except OSError:
                return relay.give_back()
            # once the request is sent the server may start the command, so the answer is awaited however long a
            # busy machine takes: running it here as well would write the same files twice
            sock.settimeout(None)
            try:
                answer, _ = recv_message(sock)
            except (OSError, ServerUnavailable, ValueError):
                return relay.give_back()  # the server closed without starting it (it stopped, or a broken request)
            if not answer or "pid" not in answer:
                return relay.give_back()  # refused (another environment, changed files): run here
            relay.to(int(answer["pid"]))
            try:
                answer, _ = recv_message(sock)  # a passed-on signal does not interrupt the wait (PEP 475)
            except (OSError, ServerUnavailable, ValueError):
                answer = None
        finally:
            relay.restore()
    if not answer or "exit" not in answer:
        print("error: the ecotown server stopped while it ran the command", file=sys.stderr)
        return 1
    return int(answer["exit"])


class _SignalRelay:
    """Ctrl-C, hang-up, termination and quit, passed on to the command's process group (the server makes the
    command a group of its own); those that come before the command's id is known are kept until then."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.pending: list[int] = []
        self.old = {sig: signal.signal(sig, self._handle) for sig in RELAYED_SIGNALS}

    def _handle(self, sig, _frame) -> None:
        if self.pid is None:
            self.pending.append(sig)
            return
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass

    def to(self, pid: int) -> None:
        self.pid = pid
        for sig in self.pending:
            self._handle(sig, None)
        self.pending.clear()

    def restore(self) -> None:
        for sig, old in self.old.items():
            signal.signal(sig, old)
        self.old = {}

    def give_back(self) -> None:
        """No command was started: the handlers are put back and a signal kept meanwhile is raised here, as if it
        had come to this process (Ctrl-C then stops ecotown before it starts the command itself)."""
        self.restore()
        for sig in self.pending:
            signal.raise_signal(sig)
        return None


def main() -> None:
    """Console-script entry point."""
    code = run_via_server(sys.argv[1:])
    if code is None:
        from .main import main as run_here

        run_here()
        return
    sys.exit(code)
