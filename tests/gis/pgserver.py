"""A throwaway PostgreSQL + PostGIS server for tests: a new cluster in a temporary folder, on loopback only.

Debian's postgresql and postgresql-postgis packages provide the binaries (/usr/lib/postgresql/*/bin) and the
extension; tools/install-system-deps.sh installs them. initdb refuses to run as root, so as root the cluster
belongs to the 'postgres' system user (run through runuser). Password authentication (scram) is on, so that the
tests connect the way an office would: the connection in ECOTOWN_PG, the password in PGPASSWORD.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

INSTALL_HINT = "run tools/install-system-deps.sh (installs Debian's postgresql and postgresql-postgis)"


class PgMissing(RuntimeError):
    pass


def pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise PgMissing(f"PostgreSQL server binaries are missing: {INSTALL_HINT}")
    bindir = Path(found[-1]).parent
    version = bindir.parent.name
    if not glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"):
        raise PgMissing(f"PostGIS for PostgreSQL {version} is missing: {INSTALL_HINT}")
    return bindir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    folder: Path
    port: int
    user: str
    password: str
    dbname: str
    _run_as: list[str]
    _bindir: Path

    @property
    def conninfo(self) -> str:
        """Connection without the password (that goes in PGPASSWORD)."""
        return f"host=127.0.0.1 port={self.port} dbname={self.dbname} user={self.user}"

    def connect(self):
        import psycopg

        return psycopg.connect(self.conninfo, password=self.password, autocommit=True)

    def stop(self) -> None:
        subprocess.run([*self._run_as, str(self._bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m",
                        "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_server() -> PgServer:
    """initdb + pg_ctl start on 127.0.0.1 at a free port; the database has the postgis extension."""
    bindir = pg_bindir()
    folder = Path(tempfile.mkdtemp(prefix="ecotown-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            raise PgMissing(f"no 'postgres' system user to run the server as: {INSTALL_HINT}") from None
        os.chown(folder, pw.pw_uid, pw.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    user, password, dbname = "ecotown", "s3cret-ทดสอบ", "ecotown"
    pwfile = folder / "pw"
    pwfile.write_text(password + "\n", encoding="utf-8")
    if run_as:
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
    data = folder / "data"
    r = subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", user, f"--pwfile={pwfile}",
                        "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"initdb failed:\n{r.stdout}\n{r.stderr}")
    pwfile.unlink()
    port = _free_port()
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off"
    r = subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(folder / "log"),
                        "-w", "-t", "120", "start"], capture_output=True, text=True, timeout=180)
    if r.returncode != 0:
        log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"pg_ctl start failed:\n{r.stdout}\n{r.stderr}\n{log}")
    srv = PgServer(folder, port, user, password, "postgres", run_as, bindir)
    with srv.connect() as con:
        con.execute(f"CREATE DATABASE {dbname}")
    srv.dbname = dbname
    with srv.connect() as con:
        con.execute("CREATE EXTENSION postgis")
    return srv


def _pg_type(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if pd.api.types.is_integer_dtype(s):
        return "bigint"
    if pd.api.types.is_float_dtype(s):
        return "double precision"
    return "text"


def load_layer(srv: PgServer, gdf: gpd.GeoDataFrame, table: str) -> None:
    """Create ``table`` (schema.table) from ``gdf`` keeping columns, values, order and the CRS (as SRID)."""
    from psycopg import sql

    schema, name = table.split(".")
    srid = gdf.crs.to_epsg()
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    long = [c for c in cols if len(str(c).encode("utf-8")) > 63]
    if long:  # PostgreSQL would silently cut them to 63 bytes (NAMEDATALEN - 1)
        raise ValueError(f"column names longer than PostgreSQL's 63 bytes: {', '.join(long)}; rename them")
    with srv.connect() as con:
        con.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        defs = [sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_pg_type(gdf[c]))) for c in cols]
        defs.append(sql.SQL("geom geometry(Geometry, {})").format(sql.Literal(srid)))
        con.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(schema, name), sql.SQL(", ").join(defs)))
        ins = sql.SQL("INSERT INTO {} ({}) VALUES ({}, ST_GeomFromWKB(%s, {}))").format(
            sql.Identifier(schema, name), sql.SQL(", ").join([sql.Identifier(c) for c in cols + ["geom"]]),
            sql.SQL(", ").join([sql.Placeholder()] * len(cols)), sql.Literal(srid))
        with con.cursor() as cur:
            for i in range(len(gdf)):
                vals = [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)
                        for v in gdf[cols].iloc[i].tolist()]
                g = gdf.geometry.iloc[i]
                cur.execute(ins, [*vals, None if g is None else g.wkb])
