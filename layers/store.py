"""The project's layer store, and changing it (and the catalog) all at once or not at all.

Added vector layers live in one GeoPackage beside the catalog (``layers.gpkg``, EPSG:32647, one layer per catalog
entry, canonical field names). Added rasters are kept as they are in ``rasters/NAME.tif`` beside the catalog.

Nothing is written in place: each file that changes is first written as a hidden temporary file beside it (the
GeoPackage as a copy with the new layer in it), checked, and only then renamed over the old one. If anything fails
before that, the old files are untouched and the temporary ones are deleted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import pyogrio

from .errors import LayerError

__all__ = ["STORE_NAME", "RASTER_DIR", "store_path", "raster_path", "Transaction", "write_store_layer",
           "delete_store_layer", "StoreWriteError"]

STORE_NAME = "layers.gpkg"
RASTER_DIR = "rasters"


class StoreWriteError(LayerError):
    """Writing the layer store failed; the store and catalog are as they were."""


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
