"""``ecotown server start|stop|status``: keep Python's geospatial stack imported between commands.

Every ``ecotown`` command started while a server runs for this installation is run by a fresh child of the server
(see :mod:`maps.cli.launch` and :mod:`maps.cli.server`): the same outputs, messages and exit codes, without the
second or so of imports at each start. Linux only; elsewhere commands simply run as before.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Annotated

import typer
from rich.console import Console

from . import ORIGINAL_ENV, launch
from .errors import err_console
from .options import QuietOpt
from .server import private_folder

app = typer.Typer(help="Keep ecotown's libraries loaded between commands (a warm start; Linux).",
                  no_args_is_help=True)
console = Console(highlight=False)

#: a log larger than this is set aside (as ``.log.1``) when a server starts
LOG_KEEP_BYTES = 2_000_000
#: how long ``start`` waits for the server to answer (it imports the libraries first; a busy disk is slow)
START_TIMEOUT_S = 180.0


def _status() -> dict | None:
    try:
        with launch.connect(timeout=5.0) as sock:
            answer = launch.request(sock, {"op": "status"})
    except (launch.ServerUnavailable, OSError, ValueError):
        return None
    return answer if "pid" in answer else None


def _log_path():
    return launch.socket_path().with_suffix(".log")


def _unsupported() -> None:
    err_console.print("error: ecotown server needs Linux (fork, pidfd and file descriptors over Unix sockets); "
                  "commands run in their own process here.", style="red", markup=False, soft_wrap=True)
    raise typer.Exit(1)


@app.command("start")
def start(
    idle: Annotated[float, typer.Option("--idle", help="Stop after this many minutes without a command "
                                        "(0: never).", min=0.0)] = 60.0,
    foreground: Annotated[bool, typer.Option("--foreground", help="Run in this terminal (for a service manager "
                                             "or to watch its log); Ctrl-C stops it.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Start the server for this installation (it keeps ecotown's libraries imported)."""
    if not launch.SUPPORTED:
        _unsupported()
    running = _status()
    if running:
        if not quiet:
            console.print(f"ecotown server already running (pid {running['pid']}, socket {running['socket']})",
                          markup=False)
        return
    args = [sys.executable, "-m", "maps.cli.server", "--idle", str(idle)]
    if foreground:
        sys.stdout.flush()  # this process becomes the server: Ctrl-C reaches it alone and it stops cleanly
        os.execve(sys.executable, args, ORIGINAL_ENV)
    try:
        private_folder(launch.socket_path().parent)
    except SystemExit as exc:
        err_console.print(f"error: {exc}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    log = _log_path()
    if log.exists() and log.stat().st_size > LOG_KEEP_BYTES:  # one old log is kept
        log.replace(log.with_suffix(".log.1"))
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, close_fds=True, cwd="/",
                                env=ORIGINAL_ENV)
    deadline = time.monotonic() + START_TIMEOUT_S
    while (running := _status()) is None:
        if proc.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-5:]
            err_console.print("error: the ecotown server stopped at start:\n" + "\n".join(tail), style="red",
                          markup=False, soft_wrap=True)
            raise typer.Exit(1)
        if time.monotonic() > deadline:
            err_console.print(f"error: the ecotown server did not answer within {START_TIMEOUT_S:.0f} s; see {log}",
                          style="red", markup=False, soft_wrap=True)
            raise typer.Exit(1)
        time.sleep(0.05)
    if not quiet:
        console.print(f"ecotown server running (pid {running['pid']}); commands in this environment now start "
                      f"warm. Log: {log}", markup=False)


@app.command("stop")
def stop(quiet: QuietOpt = False) -> None:
    """Stop the server (commands already running finish first)."""
    if not launch.SUPPORTED:
        _unsupported()
    try:
        with launch.connect(timeout=5.0) as sock:
            answer = launch.request(sock, {"op": "stop"})
    except (launch.ServerUnavailable, OSError, ValueError):
        if not quiet:
            console.print("no ecotown server is running", markup=False)
        return
    pid = answer.get("pid")
    deadline = time.monotonic() + START_TIMEOUT_S
    while launch.socket_path().exists() and _status() is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not quiet:
        console.print(f"ecotown server stopped (pid {pid})", markup=False)


@app.command("status")
def status() -> None:
    """Say whether a server runs for this installation, since when and how many commands it ran. Exit code 0
    when one runs, 1 when none."""
    if not launch.SUPPORTED:
        _unsupported()
    info = _status()
    if info is None:
        console.print(f"no ecotown server is running (socket {launch.socket_path()})", markup=False)
        raise typer.Exit(1)
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["started"]))
    idle = "never" if info.get("idle_minutes") is None else f"after {info['idle_minutes']:g} min without a command"
    console.print(f"ecotown server running: pid {info['pid']}, since {since}, {info['served']} commands run "
                  f"({info['running']} running), stops {idle}\n"
                  f"socket {info['socket']}\npython {info['python']}\n"
                  + (f"{info['declined']} command{'' if info['declined'] == 1 else 's'} declined and run on their own; "
                     f"the last: {info['last_refusal']}\n"
                     if info.get("declined") else "")
                  + ("" if info.get("current") else "ecotown's files changed since it started: it stops at the "
                     "next command, which runs on its own\n"), markup=False, end="", soft_wrap=True)
