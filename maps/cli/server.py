"""``ecotown server``'s process: Python's geospatial stack imported once, a fresh child forked for every command.

The server imports the libraries and ecotown's packages (not the CLI's command modules, which set up their
consoles for the terminal they start on), then listens on a private Unix socket (see :mod:`maps.cli.launch`).
For each command it checks that the caller is this user, that ecotown's files are the ones it imported and that the
environment the libraries read at import is the same, then forks. The child takes the caller's stdin, stdout and
stderr, folder, environment and umask, becomes its own process group (so Ctrl-C, forwarded by the client, reaches
it and whatever it starts), runs the command as ``ecotown ARGS`` would and exits; the server sends the exit code
back. A command's process therefore starts with nothing from an earlier command.

The server keeps no thread of its own (a fork copies only the forking thread), stops after ``--idle`` minutes
without a command, on ``ecotown server stop`` or on SIGTERM, and stops itself when ecotown's files change (the
command that noticed runs in its own process instead).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import io
import os
import selectors
import signal
import socket
import struct
import sys
import sysconfig
import time
from pathlib import Path

from . import launch

__all__ = ["PRELOAD", "code_fingerprint", "serve"]

#: imported once by the server: the libraries a command needs and ecotown's packages, everything but the CLI's
#: command modules (those create their rich consoles, which look at the terminal, when imported)
PRELOAD = ("numpy", "pandas", "pyarrow", "pyarrow.compute", "shapely", "pyproj", "pyogrio", "geopandas",
           "click", "typer", "typer.main", "typer.core", "typer._adapters", "typer._coercion", "rich.console",
           "rich.markup", "rich.status", "rich.table", "yaml",
           "geo", "geo.exposure", "geo.rings", "geo.coverage", "geo.zonal", "layers", "layers.add", "layers.join",
           "maps.errors", "maps.exports", "maps.exports.files", "maps.exports.tables", "maps.exports.buffer",
           "maps.exports.columnar", "pyarrow.parquet", "criteria", "criteria.score", "criteria.explain",
           "criteria.sensitivity", "maps.web", "maps.report", "maps.report.figures", "maps.report.flows_figure",
           "maps.publish", "maps.history", "weasyprint")

#: ecotown's packages, whose files the fingerprint covers
PACKAGES = ("geo", "layers", "criteria", "maps")


def code_fingerprint(root: Path | None = None) -> str:
    """Every file of ecotown's packages under ``root`` (this checkout by default: path, size, modification time)
    and the site-packages folder's time (it changes when a library is installed or upgraded): a server whose
    imported code is no longer on disk stops."""
    root = root or Path(launch.__file__).resolve().parent.parent.parent
    items = []
    for package in PACKAGES:
        for folder, dirs, files in os.walk(root / package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".pyc", ".pyo")):
                    continue
                st = os.stat(os.path.join(folder, name))
                items.append(f"{folder}/{name}\0{st.st_size}\0{st.st_mtime_ns}")
    for key in ("purelib", "platlib"):
        try:
            items.append(f"{key}\0{os.stat(sysconfig.get_paths()[key]).st_mtime_ns}")
        except OSError:
            pass
    import hashlib

    return hashlib.sha256("\n".join(items).encode()).hexdigest()


def preload(say=print) -> None:
    """Import PRELOAD (a module that fails to import is left for the command to report)."""
    start = time.perf_counter()
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - the command itself will show the error in its own words
            say(f"not preloaded: {name} ({type(exc).__name__}: {exc})")
    say(f"imported {len(sys.modules)} modules in {time.perf_counter() - start:.2f} s")


class Server:
    """The listening socket, the running commands, and the loop that serves them."""

    def __init__(self, path: Path, idle_minutes: float, log=print, env_before: dict[str, str] | None = None):
        self.path = path
        self.idle = idle_minutes * 60.0 if idle_minutes > 0 else None
        self.log = log
        self.started = time.time()
        self.pid = os.getpid()
        self.lock = None  # the lock file that serve() holds
        self.served = 0
        self.declined = 0
        self.last_refusal = ""
        self.stopping = ""
        self.fingerprint = code_fingerprint()
        before = dict(os.environ) if env_before is None else env_before
        self.env = launch.significant_env(before)
        #: what importing the libraries did to the environment (pyproj and pyogrio set their CA bundles): done
        #: again over each caller's environment, as the same import in the command's own process would
        self.env_changes = {k: v for k, v in os.environ.items() if before.get(k) != v}
        self.selector = selectors.DefaultSelector()
        self.jobs: dict[int, tuple[socket.socket, int, float]] = {}  # pidfd -> (connection, child pid, start)
        self.listener = self._bind()
        self.selector.register(self.listener, selectors.EVENT_READ, ("listen", None))
        # a signal (SIGTERM, Ctrl-C in the foreground) wakes the select through this pair, whatever its timeout
        self.wake_r, self.wake_w = socket.socketpair()
        for end in (self.wake_r, self.wake_w):
            end.setblocking(False)
        self.selector.register(self.wake_r, selectors.EVENT_READ, ("wake", None))
        self.last_activity = time.monotonic()

    def _bind(self) -> socket.socket:
        """The listening socket. serve() checked the folder and holds the installation's lock, so no other server
        is alive: a socket file already there was left by one that did not stop cleanly."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o077)
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(old)
        sock.listen(64)
        self.inode = os.stat(self.path).st_ino
        return sock

    # ---------------------------------------------------------------- the loop
    def serve_forever(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: self._stop("SIGTERM"))
        signal.signal(signal.SIGINT, lambda *_: self._stop("interrupted"))
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.set_wakeup_fd(self.wake_w.fileno(), warn_on_full_buffer=False)
        self.log(f"ready: pid {os.getpid()}, socket {self.path}, idle stop "
                 f"{'never' if self.idle is None else f'after {self.idle / 60:g} min'}")
        try:
            while not (self.stopping and not self.jobs):
                timeout = None
                if self.stopping:
                    timeout = 1.0
                elif self.idle is not None and not self.jobs:
                    timeout = max(0.0, self.last_activity + self.idle - time.monotonic())
                events = self.selector.select(timeout)
                if not events and self.idle is not None and not self.jobs and not self.stopping and \
                        time.monotonic() >= self.last_activity + self.idle:
                    self._stop(f"idle for {self.idle / 60:g} min")
                for key, _mask in events:
                    kind, data = key.data
                    if kind == "listen":
                        self._accept()
                    elif kind == "child":
                        self._reap(key.fd)
                    elif kind == "client":
                        self._client_gone(key.fileobj, data)
                    elif kind == "wake":
                        try:
                            self.wake_r.recv(4096)
                        except BlockingIOError:
                            pass
        finally:
            self._close()

    def _stop(self, why: str) -> None:
        if not self.stopping:
            self.log(f"stopping: {why}")
            self.stopping = why
            try:
                self.selector.unregister(self.listener)
            except (KeyError, ValueError):
                pass
            self.listener.close()
            self._unlink()

    def _unlink(self) -> None:
        try:
            if os.stat(self.path).st_ino == self.inode:
                self.path.unlink()
        except OSError:
            pass

    def _close(self) -> None:
        self._unlink()
        self.log(f"stopped after {self.served} command{'' if self.served == 1 else 's'}")

    def _accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        fds: list[int] = []
        try:
            conn.settimeout(10.0)
            uid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1]
            message, fds = launch.recv_message(conn, maxfds=3)
            if uid != os.getuid():
                launch.send_message(conn, {"refused": "another user"})
            elif message is None:
                pass
            elif message.get("op") == "status":
                launch.send_message(conn, self.status())
            elif message.get("op") == "stop":
                launch.send_message(conn, {"stopping": True, "pid": os.getpid()})
                self._stop("ecotown server stop")
            elif message.get("op") == "run":
                if self._start(conn, message, fds):
                    return  # the connection now belongs to the running command
            else:
                launch.send_message(conn, {"refused": f"unknown request {message.get('op')!r}"})
        except (OSError, launch.ServerUnavailable, ValueError, struct.error) as exc:
            self.log(f"a request failed: {exc}")
        finally:
            for fd in fds:
                os.close(fd)
        conn.close()

    def status(self) -> dict:
        return {"pid": os.getpid(), "socket": str(self.path), "python": sys.executable,
                "started": self.started, "served": self.served, "running": len(self.jobs),
                "declined": self.declined, "last_refusal": self.last_refusal,
                "idle_minutes": None if self.idle is None else self.idle / 60.0,
                "modules": len(sys.modules), "current": code_fingerprint() == self.fingerprint}

    def _refusal(self, message: dict, fds: list[int]) -> str:
        if self.stopping:
            return f"stopping ({self.stopping})"
        if len(fds) != 3:
            return "the command's stdin, stdout and stderr did not arrive"
        if code_fingerprint() != self.fingerprint:
            self._stop("ecotown's files changed since the server started")
            return "ecotown's files changed since the server started"
        env = launch.significant_env(message.get("env") or {})
        if env != self.env:
            differ = sorted(k for k in set(env) | set(self.env) if env.get(k) != self.env.get(k))
            return "started in another environment (" + ", ".join(differ[:5]) + ")"
        return ""

    def _start(self, conn: socket.socket, message: dict, fds: list[int]) -> bool:
        why = self._refusal(message, fds)
        if why:
            self.log(f"refused: {why}")
            self.declined += 1
            self.last_refusal = why
            launch.send_message(conn, {"refused": why})
            return False
        for f in (sys.stdout, sys.stderr):
            f.flush()
        self.last_activity = time.monotonic()  # only commands count: a status request does not keep it up
        # the signals a caller passes on are held back across the fork: the child must not run the server's own
        # handlers (which would stop the server), only its defaults, set before it takes them
        held = signal.pthread_sigmask(signal.SIG_BLOCK, launch.RELAYED_SIGNALS)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which leaves by os._exit (its coverage is not kept)
            try:
                code = self._child(conn, message, fds, held)
            except BaseException:  # noqa: BLE001 - whatever happens, the child must not return into the loop
                code = 70
            os._exit(code)
        try:
            os.setpgid(pid, pid)  # here too (as shells do): the group exists before the caller learns the pid
        except OSError:  # the child got there first, or has already exited
            pass
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for fd in fds:
            os.close(fd)
        fds.clear()
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:  # no descriptor left to watch it: stop it now, and the caller runs the command itself
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise
        self.jobs[pidfd] = (conn, pid, time.monotonic())
        self.served += 1
        self.selector.register(pidfd, selectors.EVENT_READ, ("child", pid))
        self.selector.register(conn, selectors.EVENT_READ, ("client", pid))
        try:
            launch.send_message(conn, {"pid": pid})
        except OSError:  # the client left already: the command is stopped like any other whose caller left
            self._client_gone(conn, pid)
        self.log(f"command {self.served} (pid {pid}): ecotown {' '.join(message.get('argv') or [])}")
        return True

    def _child(self, conn: socket.socket, message: dict, fds: list[int], held: set) -> int:
        """In the forked child: become the caller's process and run the command; the exit code."""
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setpgid(0, 0)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a signal held back meanwhile arrives now
        _stop_with_parent()
        if os.getppid() != self.pid:  # the server died before the line above took effect
            return 128 + int(signal.SIGTERM)
        # the server's sockets and pidfds are closed here (the objects too, so no later collection closes a
        # number the command has since reused)
        for sock in [self.listener, self.wake_r, self.wake_w, conn, *(job[0] for job in self.jobs.values())]:
            sock.close()
        for pidfd in self.jobs:
            os.close(pidfd)
        if self.lock is not None:
            self.lock.close()
        try:
            self.selector.close()
        except OSError:
            pass
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        sys.stdin = sys.__stdin__ = _text(0, "r", message.get("stdin") or {})
        sys.stdout = sys.__stdout__ = _text(1, "w", message.get("stdout") or {})
        sys.stderr = sys.__stderr__ = _text(2, "w", message.get("stderr") or {}, line=True)
        try:
            os.chdir(message["cwd"])
        except OSError as exc:
            print(f"error: {exc.strerror}: {message['cwd']}", file=sys.stderr)
            return 1
        os.umask(int(message["umask"]))
        os.environ.clear()
        os.environ.update(message["env"])
        os.environ.update(self.env_changes)
        time.tzset()
        import random
        import tempfile

        tempfile.tempdir = None
        random.seed()
        sys.argv = ["ecotown", *message["argv"]]
        code = 0
        try:
            from .main import main

            main(prog_name=message.get("prog") or "ecotown")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if exc.code is not None and not isinstance(exc.code, int):
                print(exc.code, file=sys.stderr)
        except KeyboardInterrupt:
            code = 130
        except BaseException:  # noqa: BLE001 - as Python would: the traceback on stderr, exit code 1
            import traceback

            traceback.print_exc()
            code = 1
        try:
            import atexit

            atexit._run_exitfuncs()
        except BaseException:  # noqa: BLE001
            pass
        for f in (sys.stdout, sys.stderr):
            try:
                f.flush()
            except (OSError, ValueError):
                pass
        return code

    def _reap(self, pidfd: int) -> None:
        conn, pid, began = self.jobs.pop(pidfd)
        self.selector.unregister(pidfd)
        os.close(pidfd)
        _, status, usage = os.wait4(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code < 0:  # killed by a signal: the shell's convention
            code = 128 - code
        # the command's own figures (the client's process holds almost nothing): tests/bench_commands.py reads
        # its peak memory here
        self.log(f"pid {pid} exit {code}: {time.monotonic() - began:.3f} s, peak {usage.ru_maxrss} KB")
        try:
            self.selector.unregister(conn)
        except (KeyError, ValueError):
            pass
        try:
            launch.send_message(conn, {"exit": code})
        except OSError:
            pass
        conn.close()
        self.last_activity = time.monotonic()

    def _client_gone(self, conn: socket.socket, pid: int) -> None:
        """The caller's connection is readable while its command runs: it closed (the client was killed), so the
        command is stopped as the caller's terminal would have stopped it."""
        try:
            data = conn.recv(1, socket.MSG_PEEK)
        except OSError:
            data = b""
        if data:
            return
        try:
            self.selector.unregister(conn)
        except (KeyError, ValueError):
            pass
        self.log(f"the caller of pid {pid} left: stopping the command")
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def _stop_with_parent() -> None:
    """SIGTERM to this child if the server dies (killed outright): its caller was told the command failed, so the
    command must not go on writing its files (Linux prctl PR_SET_PDEATHSIG; nothing elsewhere)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _hold_lock(path: Path):
    """An exclusive lock on ``path``, held while the returned file stays open: two servers started at once for one
    installation cannot both bind the socket (the second stops here, before its imports)."""
    import fcntl

    f = open(path, "a")  # noqa: SIM115 - kept open on purpose
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        raise SystemExit(f"ecotown server: another server for this installation is running or starting ({path})"
                         ) from None
    return f


def private_folder(folder: Path) -> None:
    """Make ``folder`` (mode 700) if missing; SystemExit with a plain message unless it is this user's alone."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not launch.private_dir_ok(folder):
        raise SystemExit(f"ecotown server: {folder} must be a folder of this user that only this user may open "
                         "(mode 700)")


def _text(fd: int, mode: str, stream: dict, line: bool = False) -> io.TextIOWrapper:
    """A text stream on ``fd`` as Python sets one up at start: line-buffered on a terminal (stderr always)."""
    interactive = os.isatty(fd)
    return open(fd, mode, encoding=stream.get("encoding") or "utf-8", errors=stream.get("errors") or "strict",
                closefd=False, buffering=1 if (line or interactive) and mode == "w" else -1)


def serve(idle_minutes: float = 60.0, quiet: bool = False) -> None:
    """Run a server for this installation in this process until it stops."""
    def log(msg: str) -> None:
        if not quiet:
            print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {msg}", flush=True)

    before = dict(os.environ)
    private_folder(launch.socket_path().parent)  # before the second of imports
    lock = _hold_lock(launch.socket_path().with_suffix(".lock"))  # held for the server's life
    preload(log)
    import threading

    if threading.active_count() > 1:  # a fork copies only the forking thread: a child could inherit a held lock
        raise SystemExit("ecotown server: a library started a thread while it was imported ("
                         + ", ".join(t.name for t in threading.enumerate()) + "); commands run in their own process")
    server = Server(launch.socket_path(), idle_minutes, log, before)
    server.lock = lock  # a child closes it: a command left running must not keep a new server from starting
    gc.freeze()  # the imported modules live as long as the server: neither it nor its children walk them again
    server.serve_forever()


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m maps.cli.server",
                                     description="Run ecotown's command server in the foreground.")
    parser.add_argument("--idle", type=float, default=60.0, help="stop after this many minutes without a command "
                        "(0: never)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if not launch.SUPPORTED:
        raise SystemExit("ecotown server needs Linux (fork, pidfd and file descriptors over Unix sockets)")
    serve(args.idle, args.quiet)


if __name__ == "__main__":
    _main()
