"""The project's layer store, and changing it (and the catalog) all at once or not at all.

Added vector layers live in one GeoPackage beside the catalog (``layers.gpkg``, EPSG:32647, one layer per catalog
entry, canonical field names). Added rasters are kept as they are in ``rasters/NAME.tif`` beside the catalog.

Nothing is written in place: each file that changes is first written as a hidden temporary file beside it (the
GeoPackage as a copy with the new layer in it), checked, and only then renamed over the old one. If anything fails
before that, the old files are untouched and the temporary ones are deleted.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio

from .catalog import sha256_file
from .errors import LayerError

__all__ = ["STORE_NAME", "RASTER_DIR", "LOCK_NAME", "store_path", "raster_path", "Transaction", "write_store_layer",
           "delete_store_layer", "StoreWriteError", "StoreDamagedError", "ProjectBusyError", "ProjectLock",
           "project_lock", "check_store", "stale_temporaries"]

STORE_NAME = "layers.gpkg"
RASTER_DIR = "rasters"
LOCK_NAME = ".ecotown.lock"
#: seconds a writer waits for another one to finish (environment variable ECOTOWN_LOCK_TIMEOUT overrides it)
LOCK_TIMEOUT_S = 120.0


class StoreWriteError(LayerError):
    """Writing the layer store failed; the store and catalog are as they were."""


class StoreDamagedError(LayerError):
    """``layers.gpkg`` exists but is not a readable GeoPackage; ecotown never writes over it."""


class ProjectBusyError(LayerError):
    """Another ecotown command holds the project's lock longer than we wait."""


def store_path(catalog_path: Path) -> Path:
    return Path(catalog_path).resolve().parent / STORE_NAME


def raster_path(catalog_path: Path, name: str) -> Path:
    return Path(catalog_path).resolve().parent / RASTER_DIR / f"{name}.tif"


def _temp_beside(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    # keep the real ending (.gpkg, .tif, .yaml) so GDAL and editors know the format of the temporary file
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.tmp-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    return Path(tmp)


# --- one writer at a time -------------------------------------------------------------------------------------

#: temporary files ecotown itself writes beside the catalog and in rasters/ (Transaction: ``.STEM.tmp-XXXXXXXX.EXT``
#: from tempfile.mkstemp, plus the journal files SQLite/GDAL may leave beside a GeoPackage)
_OWN_TEMP = re.compile(r"^\.(?P<stem>.+)\.tmp-[A-Za-z0-9_]{8}(?P<ext>\.(?:gpkg|yaml|yml|tif))"
                       r"(?:-journal|-wal|-shm)?$")

_held: dict[tuple[str, int], list] = {}  # (lock file, thread) -> [open file, depth]
_held_guard = threading.Lock()


@dataclass
class ProjectLock:
    """The held lock of one project: its lock file, and the stale temporary files removed on taking it."""

    path: Path
    removed: list[Path] = field(default_factory=list)

    def notes(self) -> list[str]:
        """One line for the user when stale temporary files were removed (none otherwise)."""
        if not self.removed:
            return []
        names = ", ".join(p.name for p in self.removed[:6]) + (" ..." if len(self.removed) > 6 else "")
        return [f"removed {len(self.removed)} temporary file(s) left by an interrupted ecotown run in "
                f"{self.path.parent}: {names}"]


def _lock_timeout(timeout: float | None) -> float:
    if timeout is not None:
        return float(timeout)
    try:
        return float(os.environ.get("ECOTOWN_LOCK_TIMEOUT", LOCK_TIMEOUT_S))
    except ValueError:
        return LOCK_TIMEOUT_S


def stale_temporaries(folder: Path, catalog_name: str = "catalog.yaml") -> list[Path]:
    """ecotown's own temporary files in a project folder (and its rasters/): the store's, the catalog's and the
    rasters' hidden ``.NAME.tmp-XXXXXXXX.EXT`` copies and their journals. Nothing else is ever listed."""
    folder = Path(folder)
    cat_stem = Path(catalog_name).stem
    out: list[Path] = []
    for p in sorted(folder.glob(".*.tmp-*")):
        m = _OWN_TEMP.match(p.name)
        if m and p.is_file() and (m["stem"], m["ext"]) in (
                (Path(STORE_NAME).stem, ".gpkg"), (cat_stem, Path(catalog_name).suffix)):
            out.append(p)
    rasters = folder / RASTER_DIR
    if rasters.is_dir():
        for p in sorted(rasters.glob(".*.tmp-*")):
            m = _OWN_TEMP.match(p.name)
            if m and p.is_file() and m["ext"] == ".tif":
                out.append(p)
    return out


@contextmanager
def project_lock(catalog: str | Path, *, timeout: float | None = None) -> Iterator[ProjectLock]:
    """Hold the project's writer lock (``.ecotown.lock`` beside the catalog) for the block.

    Every command that changes the catalog or the store (``layers add``, ``layers remove``, ``layers join``) holds
    it from reading the catalog to the commit, so two of them at once cannot lose each other's layer. The lock is an
    OS file lock (``fcntl.flock``): it goes away with the process that held it, even when that process is killed.
    A second writer waits up to ``timeout`` seconds (default 120, or ``ECOTOWN_LOCK_TIMEOUT``) and then raises
    :class:`ProjectBusyError`. Re-entrant within one thread.

    On taking the lock, ecotown's own temporary files left by an interrupted run are removed (no other writer can
    be using them); ``ProjectLock.removed`` lists them and ``ProjectLock.notes()`` says so.
    """
    catalog = Path(catalog).resolve()
    lock_file = catalog.parent / LOCK_NAME
    key = (str(lock_file), threading.get_ident())
    with _held_guard:
        held = _held.get(key)
        if held is not None:
            held[1] += 1
    if held is not None:
        try:
            yield ProjectLock(lock_file)
        finally:
            with _held_guard:
                held[1] -= 1
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    wait = _lock_timeout(timeout)
    fh = _acquire(lock_file, catalog, wait, time.monotonic() + wait)
    try:
        lock = ProjectLock(lock_file)
        for p in stale_temporaries(catalog.parent, catalog.name):
            try:
                p.unlink()
                lock.removed.append(p)
            except FileNotFoundError:
                pass
        with _held_guard:
            _held[key] = [fh, 1]
        try:
            yield lock
        finally:
            with _held_guard:
                _held.pop(key, None)
    finally:
        # removed while still held, so the folder keeps no lock file; a writer that opened this file meanwhile
        # sees it is gone once it gets the lock, and takes a new one (see _acquire)
        lock_file.unlink(missing_ok=True)
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


def _acquire(lock_file: Path, catalog: Path, wait: float, deadline: float):
    """Open and flock ``lock_file``; retry when the file was removed by the writer we waited for."""
    while True:
        try:
            fh = open(lock_file, "a+b")
        except OSError as exc:
            raise StoreWriteError(f"{lock_file}: cannot create the project's lock file ({exc.strerror or exc}); "
                                  "is the folder writable?") from None
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.close()
                    raise ProjectBusyError(
                        f"{catalog.parent}: another ecotown command is changing this project (it holds "
                        f"{lock_file}); waited {wait:g} s. Let it finish and run this command again; nothing was "
                        "changed") from None
                time.sleep(0.05)
        try:
            same = os.fstat(fh.fileno()).st_ino == os.stat(lock_file).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fh
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


# --- a damaged store is never written over ---------------------------------------------------------------------

#: PRAGMA application_id of GeoPackage 1.0 ('GP10'), 1.1 ('GP11') and 1.2+ ('GPKG')
_GPKG_IDS = (0x47503130, 0x47503131, 0x47504B47)


def _store_problem(store: Path) -> str | None:
    if store.is_dir():
        return "it is a folder, not a GeoPackage file"
    with open(store, "rb") as fh:
        head = fh.read(100)
    if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
        return "it is not a GeoPackage (no SQLite header)" if head else "it is empty (0 bytes)"
    try:
        con = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return f"SQLite cannot open it ({exc})"
    try:
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        if app_id not in _GPKG_IDS:
            return f"it is an SQLite database but not a GeoPackage (application_id {app_id:#x})"
        check = [r[0] for r in con.execute("PRAGMA quick_check").fetchall()]
        if check != ["ok"]:
            return "SQLite's integrity check fails: " + "; ".join(str(c) for c in check[:3])
        con.execute("SELECT table_name FROM gpkg_contents").fetchall()
    except sqlite3.Error as exc:
        return f"SQLite cannot read it ({exc})"
    finally:
        con.close()
    return None


_sound_stores: set[tuple] = set()


def check_store(store: Path, layers: list[str] | None = None) -> None:
    """Raise :class:`StoreDamagedError` when ``store`` exists but is not a sound GeoPackage (truncated, not a
    GeoPackage, failing SQLite's integrity check); ``layers`` are the catalog's layers kept in it, for the message.
    A store that does not exist yet is fine."""
    store = Path(store)
    if not store.exists():
        return
    try:
        st = store.stat()
        key = (str(store.resolve()), st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        key = None
    if key is not None and key in _sound_stores:
        return  # checked before and unchanged since (an integrity check reads the whole file)
    why = _store_problem(store)
    if why is None:
        if key is not None:
            _sound_stores.add(key)
        return
    held = f" The catalog lists {len(layers)} layer(s) in it: {', '.join(layers)}." if layers else ""
    raise StoreDamagedError(
        f"{store}: the project's layer store is damaged: {why}. ecotown will not write over it, so nothing was "
        f"changed.{held} To recover, restore {store.name} from a backup; or move it away (e.g. rename it to "
        f"{store.stem}.damaged.gpkg) and add its layers again with ecotown layers add FILE --name NAME --replace "
        "(each catalog entry's source_file says which file it came from)")


class Transaction:
    """Stage new versions of several files; put them all in place at :meth:`commit`, or none of them.

    Use as a context manager: leaving the block by an exception deletes every staged file.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []  # (temporary file, target)
        self._deletes: list[Path] = []

    def stage_new(self, target: Path) -> Path:
        """A fresh temporary path beside ``target`` that will replace it at commit."""
        tmp = _temp_beside(Path(target))
        tmp.unlink()  # writers such as GDAL want to create the file themselves
        self._staged.append((tmp, Path(target)))
        return tmp

    def stage_copy(self, target: Path) -> Path:
        """A temporary copy of ``target`` (empty path when it does not exist yet) to change and commit."""
        tmp = self.stage_new(target)
        if Path(target).exists():
            shutil.copyfile(target, tmp)
        return tmp

    def stage_file(self, src: Path, target: Path, sha256: str) -> Path:
        """A byte-for-byte copy of ``src`` that will become ``target`` (a table kept in ``tables/``), checked
        against the ``sha256`` read before: a file changed while it was copied is refused."""
        tmp = self.stage_new(target)
        try:
            shutil.copyfile(src, tmp)
        except OSError as exc:
            raise StoreWriteError(f"{target}: copying {src} failed ({exc.strerror or exc}); the catalog was not "
                                  "changed") from None
        if sha256_file(tmp) != sha256:
            raise StoreWriteError(f"{target}: the copy of {src} differs from it (was the file changed while it "
                                  "was copied?); the catalog was not changed")
        return tmp

    def stage_text(self, target: Path, text: str) -> Path:
        tmp = self.stage_new(target)
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        return tmp

    def stage_delete(self, target: Path) -> None:
        """Delete ``target`` after the staged files are in place."""
        self._deletes.append(Path(target))

    def commit(self) -> None:
        """Rename every staged file over its target, in the order staged (stage the catalog last).

        If one rename fails, the targets already replaced are put back from hard-link backups.
        """
        backups: list[tuple[Path | None, Path]] = []
        try:
            for tmp, target in self._staged:
                backup = None
                if target.exists():
                    backup = _temp_beside(target)
                    backup.unlink()
                    os.link(target, backup)
                try:
                    os.replace(tmp, target)
                except BaseException:
                    if backup is not None:
                        backup.unlink()
                    raise
                backups.append((backup, target))
        except BaseException as exc:
            for backup, target in reversed(backups):
                if backup is not None:
                    os.replace(backup, target)
                else:
                    target.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise StoreWriteError(f"{getattr(exc, 'filename', None) or target}: could not be put in place "
                                      f"({exc.strerror or exc}); the store and the catalog were not changed") \
                    from None
            raise
        finally:
            for backup, _ in backups:
                if backup is not None:
                    backup.unlink(missing_ok=True)
            self._cleanup()
        for path in self._deletes:
            path.unlink(missing_ok=True)

    def _cleanup(self) -> None:
        for tmp, _ in self._staged:
            tmp.unlink(missing_ok=True)
            # GDAL may leave a journal beside a GeoPackage it was writing
            for extra in ("-journal", "-wal", "-shm"):
                Path(str(tmp) + extra).unlink(missing_ok=True)

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._cleanup()


def _write_gpkg_layer(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """The one call that writes a layer into a GeoPackage (tests make it fail to simulate a crash)."""
    pyogrio.write_dataframe(gdf, path, layer=layer, driver="GPKG", dataset_options={"VERSION": "1.2"})  # QGIS 3.22


def write_store_layer(txn: Transaction, store: Path, name: str, gdf: gpd.GeoDataFrame) -> Path:
    """Stage a copy of the store with layer ``name`` written (replacing a layer of that name), and check it."""
    check_store(store)
    tmp = txn.stage_copy(store)
    try:
        _write_gpkg_layer(gdf, tmp, name)
        info = pyogrio.read_info(tmp, layer=name)
    except LayerError:
        raise
    except Exception as exc:
        raise StoreWriteError(f"{store}: writing layer '{name}' failed ({exc}); the store and the catalog were "
                              "not changed") from None
    if info["features"] != len(gdf):
        raise StoreWriteError(f"{store}: layer '{name}' came out with {info['features']} features instead of "
                              f"{len(gdf)}; the store and the catalog were not changed")
    return tmp


def delete_store_layer(txn: Transaction, store: Path, name: str) -> Path | None:
    """Stage a copy of the store without layer ``name`` (None when the store has no such layer)."""
    if not store.exists():
        return None
    check_store(store)
    names = [str(n) for n, _ in pyogrio.list_layers(store)]
    if name not in names:
        return None
    tmp = txn.stage_copy(store)
    if len(names) == 1:
        # a GeoPackage cannot lose its last layer cleanly; the store goes with it
        txn._staged.pop()
        tmp.unlink(missing_ok=True)
        txn.stage_delete(store)
        return None
    import fiona

    try:
        fiona.remove(str(tmp), layer=name, driver="GPKG")
    except Exception as exc:
        raise StoreWriteError(f"{store}: removing layer '{name}' failed ({exc}); nothing was changed") from None
    return tmp
