"""A throwaway PostgreSQL + PostGIS cluster for the benchmarks (``tests/bench_kernel_peers.py``).

Debian's postgresql and postgis are installed with apt-get when missing (as root); a cluster is initialised in a
temporary folder, run as the 'postgres' user on a Unix socket only (no TCP), and removed at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import shapely

__all__ = ["PostGIS", "load_layers"]


class PostGIS:
    """A throwaway PostgreSQL + PostGIS cluster in a temporary folder (Unix socket, no TCP)."""

    def __init__(self) -> None:
        self.bindir = self._bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="ecotown-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o755)
        self.data = self.dir / "data"
        self._as_pg([f"{self.bindir}/initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                     "--no-sync"], quiet=True)
        self._as_pg([f"{self.bindir}/pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-o",
                     f"-c listen_addresses='' -c unix_socket_directories='{self.dir}' -c fsync=off "
                     "-c shared_buffers=512MB -c work_mem=256MB -c maintenance_work_mem=512MB "
                     "-c max_wal_size=4GB -c synchronous_commit=off", "start"], quiet=True)
        self.sql("CREATE EXTENSION postgis;")

    @staticmethod
    def _bindir() -> str:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        have_postgis = glob.glob("/usr/share/postgresql/*/extension/postgis.control")
        if not found or not have_postgis:
            if os.geteuid() != 0 or not shutil.which("apt-get"):
                sys.exit("PostGIS is missing: install Debian's packages first, e.g.\n"
                         "  sudo apt-get install -y postgresql postgresql-15-postgis-3\n"
                         "(postgresql-NN-postgis-3 for the PostgreSQL version of your Debian)")
            print("installing postgresql and postgis with apt-get ...", file=sys.stderr)
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
            subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql", "postgis"], check=True, env=env)
            found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        return str(Path(found[-1]).parent)

    def _as_pg(self, cmd: list[str], quiet: bool = False, stdin: str | None = None) -> str:
        full = cmd if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(full, capture_output=True, text=True, input=stdin)
        if r.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stdout}\n{r.stderr}")
        return r.stdout

    def sql(self, sql: str) -> str:
        return self._as_pg([f"{self.bindir}/psql", "-h", str(self.dir), "-U", "postgres", "-X", "-q", "-A", "-t",
                            "-v", "ON_ERROR_STOP=1", "-c", sql])

    def load(self, name: str, ids: np.ndarray, geoms: np.ndarray, pop: np.ndarray | None = None) -> None:
        cols = "id text, geom geometry(Geometry, 32647)" + (", population int" if pop is not None else "")
        self.sql(f"DROP TABLE IF EXISTS {name}; CREATE TABLE {name} ({cols});")
        wkb = shapely.to_wkb(shapely.set_srid(geoms, 32647), hex=True, include_srid=True)
        path = self.dir / f"{name}.tsv"
        with open(path, "w") as fh:
            for i, row in enumerate(zip(ids, wkb)):
                fh.write("\t".join(row) + (f"\t{int(pop[i])}" if pop is not None else "") + "\n")
        shutil.chown(path, "postgres", "postgres")
        self.sql(f"COPY {name} FROM '{path}';")
        self.sql(f"CREATE INDEX ON {name} USING gist (geom); ANALYZE {name};")

    def close(self) -> None:
        try:
            self._as_pg([f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m", "fast", "stop"], quiet=True)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def load_layers(pg: PostGIS, gpkg: Path) -> None:
    """The seeded layers of ``tests/scale_data.py`` as tables ``fac`` (factories and mines: id, geom) and ``vil``
    (id, population, geom), with GiST indexes, vacuumed and analysed."""
    import pyogrio

    fac = pyogrio.read_dataframe(gpkg, layer="factories")
    mines = pyogrio.read_dataframe(gpkg, layer="mines")
    vil = pyogrio.read_dataframe(gpkg, layer="villages")
    pg.load("fac", np.concatenate([fac["reg_no"].to_numpy(dtype=object), mines["licence"].to_numpy(dtype=object)]),
            np.concatenate([np.asarray(fac.geometry.array), np.asarray(mines.geometry.array)]))
    pg.load("vil", vil["vill_code"].to_numpy(dtype=object), np.asarray(vil.geometry.array),
            vil["population"].to_numpy())
    for name in ("fac", "vil"):
        pg.sql(f"VACUUM ANALYZE {name};")  # not in one call: psql -c runs its statements in one transaction
