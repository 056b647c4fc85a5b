"""PostGIS as a layer source: a catalog entry may read a table or a query from a PostgreSQL/PostGIS database.

```yaml
factories: {role: factories, source: postgis, table: diw.factories, id_field: fac_reg}
villages:  {role: communities, source: postgis, service: nongpho, id_field: vill_id,
            sql: "SELECT * FROM census.villages WHERE tambon = 'หนองโพ'"}
```

The connection never lives in the catalog: it is a ``pg_service.conf`` service (``service: NAME``), or a libpq
connection string / URI in an environment variable (``ECOTOWN_PG`` by default, another with ``env: NAME``), or the
standard ``PG*`` variables (``PGHOST``, ``PGDATABASE``, ``PGUSER``, ``PGPASSWORD`` or ``~/.pgpass``).
A catalog entry that holds a password or a connection string is refused.

The layer is read with psycopg: every column but the geometry as it is, the geometry as WKB with its SRID
(the CRS); the role checks of :func:`layers.read.inspect_frame` then apply as to any file.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from .errors import CatalogError, LayerReadError

__all__ = ["PostgisSource", "parse_postgis", "is_postgis_entry", "conninfo", "read_postgis", "read_postgis_layer",
           "DEFAULT_ENV", "SOURCE_WORD"]

#: the word in ``source:`` that makes an entry a PostGIS layer
SOURCE_WORD = "postgis"
#: environment variable holding the connection (libpq string or URI) when the entry names no service
DEFAULT_ENV = "ECOTOWN_PG"
_FORBIDDEN = ("password", "passwd", "dsn", "url", "uri", "conninfo", "connection", "host", "user", "dbname",
              "port")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PG_VARS = ("PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE", "PGSERVICEFILE", "PGUSER", "PGPORT")


@dataclass(frozen=True)
class PostgisSource:
    """Where a PostGIS layer comes from: a table or a query, and how to connect (never the password)."""

    table: str | None = None
    sql: str | None = None
    geometry: str | None = None
    service: str | None = None
    env: str = DEFAULT_ENV

    def describe(self) -> str:
        what = f"table {self.table}" if self.table else "query"
        how = f"service {self.service}" if self.service else f"${self.env}"
        return f"PostGIS {what} ({how})"


def is_postgis_entry(raw: Any) -> bool:
    """True when a catalog entry says ``source: postgis``."""
    return isinstance(raw, dict) and str(raw.get("source", "")).strip().lower() == SOURCE_WORD


def parse_postgis(raw: dict[str, Any], where: str) -> PostgisSource:
    """The PostGIS part of a catalog entry; ``where`` names the catalog and entry in messages."""
    from .roles import load_roles

    role = load_roles().get(str(raw.get("role")))
    if role is not None and role.raster:
        raise CatalogError(f"{where}, field 'source': a raster layer cannot come from PostGIS; give a raster file")
    for key in raw:
        if str(key).lower() in _FORBIDDEN:
            raise CatalogError(
                f"{where}, field '{key}': a PostGIS connection is never written in the catalog. Put it in a "
                f"pg_service.conf service (service: NAME) or in the environment variable {DEFAULT_ENV} "
                "(e.g. ECOTOWN_PG='host=... dbname=... user=...'), with the password in ~/.pgpass or PGPASSWORD")
    table, query = raw.get("table"), raw.get("sql")
    if bool(table) == bool(query):
        raise CatalogError(f"{where}: a PostGIS layer needs exactly one of 'table: schema.table' or 'sql: SELECT ...'")
    if table is not None:
        parts = str(table).split(".")
        if len(parts) > 2 or not all(p.strip() for p in parts):
            raise CatalogError(f"{where}, field 'table': expected 'schema.table' or 'table', got {table!r}")
    if query is not None and not str(query).strip().lower().startswith(("select", "with", "table", "(")):
        raise CatalogError(f"{where}, field 'sql': expected a query starting with SELECT or WITH, got {query!r}")
    env = str(raw.get("env") or DEFAULT_ENV)
    if not _ENV_NAME.fullmatch(env):
        raise CatalogError(f"{where}, field 'env': {env!r} is not an environment variable name")
    for key in ("service", "geometry"):
        if raw.get(key) is not None and not str(raw[key]).strip():
            raise CatalogError(f"{where}, field '{key}' is empty")
    return PostgisSource(table=str(table) if table else None, sql=str(query).strip().rstrip(";") if query else None,
                         geometry=str(raw["geometry"]) if raw.get("geometry") else None,
                         service=str(raw["service"]) if raw.get("service") else None, env=env)


def conninfo(src: PostgisSource) -> str:
    """The libpq connection string for ``src``, from its service or the environment (never from the catalog)."""
    if src.service:
        return f"service={src.service}"
    value = os.environ.get(src.env, "").strip()
    if value:
        return value
    if src.env == DEFAULT_ENV and any(os.environ.get(v) for v in _PG_VARS):
        return ""   # libpq reads PGHOST, PGDATABASE, PGUSER, PGPASSWORD ... itself
    raise LayerReadError(
        f"{src.describe()}: no connection. Set the environment variable {src.env} to a libpq connection string "
        f"(e.g. {src.env}='host=db.example port=5432 dbname=gis user=reader'), or the PG* variables, or give the "
        "entry a pg_service.conf 'service:'. Keep the password in ~/.pgpass or PGPASSWORD.")


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return float(v)
    return v


def read_postgis(src: PostgisSource, *, layer: str = "") -> tuple[gpd.GeoDataFrame, str]:
    """Read ``src`` into a GeoDataFrame in the layer's own CRS (its SRID); return it and a sha256 of the
    content read (columns, values and geometries), which identifies the data as a file's sha256 would."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError:  # pragma: no cover - psycopg is a dependency
        raise LayerReadError(f"layer '{layer}': reading PostGIS needs psycopg (pip install 'psycopg[binary]')") \
            from None
    label = f"layer '{layer}' ({src.describe()})"
    if src.table:
        inner = sql.SQL("SELECT * FROM {}").format(sql.Identifier(*src.table.split(".")))
    else:
        inner = sql.SQL(src.sql)  # written by the catalog's author, like a file path
    try:
        with psycopg.connect(conninfo(src), connect_timeout=15) as con, con.cursor() as cur:
            cur.execute("SELECT oid FROM pg_type WHERE typname IN ('geometry', 'geography')")
            geo_oids = {r[0] for r in cur.fetchall()}
            if not geo_oids:
                raise LayerReadError(f"{label}: the database has no PostGIS extension (CREATE EXTENSION postgis)")
            cur.execute(sql.SQL("SELECT * FROM ({}) AS ecotown_src LIMIT 0").format(inner))
            cols = [(d.name, d.type_code) for d in cur.description]
            geoms = [c for c, t in cols if t in geo_oids]
            if src.geometry:
                if src.geometry not in [c for c, _ in cols]:
                    raise LayerReadError(f"{label}: no column '{src.geometry}' (columns: "
                                         f"{', '.join(c for c, _ in cols)})")
                gcol = src.geometry
            elif len(geoms) == 1:
                gcol = geoms[0]
            elif not geoms:
                raise LayerReadError(f"{label}: has no geometry column; it is not a spatial layer")
            else:
                raise LayerReadError(f"{label}: has several geometry columns ({', '.join(geoms)}); "
                                     "name one with 'geometry: COLUMN'")
            attrs = [c for c, _ in cols if c != gcol and c not in geoms]
            g = sql.Identifier(gcol)
            query = sql.SQL("SELECT {}, ST_AsBinary({}::geometry), ST_SRID({}::geometry) FROM ({}) AS ecotown_src") \
                .format(sql.SQL(", ").join([sql.Identifier(c) for c in attrs]) if attrs else sql.SQL("NULL"),
                        g, g, inner)
            cur.execute(query)
            rows = cur.fetchall()
    except LayerReadError:
        raise
    except psycopg.Error as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise LayerReadError(f"{label}: cannot be read: {msg}") from None
    h = hashlib.sha256("\x1f".join(attrs + [gcol]).encode("utf-8"))
    data: dict[str, list[Any]] = {c: [] for c in attrs}
    wkbs: list[bytes | None] = []
    srids: set[int] = set()
    for r in rows:
        for c, v in zip(attrs, r[:-2]):
            data[c].append(_plain(v))
        wkb = bytes(r[-2]) if r[-2] is not None else None
        wkbs.append(wkb)
        if r[-1]:
            srids.add(int(r[-1]))
        h.update(repr(tuple(_plain(v) for v in r[:-2])).encode("utf-8"))
        h.update(wkb or b"\x00")
    if len(srids) > 1:
        raise LayerReadError(f"{label}: geometries have several SRIDs ({', '.join(map(str, sorted(srids)))})")
    crs = f"EPSG:{srids.pop()}" if srids else None
    df = pd.DataFrame(data, columns=attrs)
    geometry = shapely.from_wkb(wkbs) if wkbs else []
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geometry, crs=crs), crs=crs), h.hexdigest()


def read_postgis_layer(spec: Any) -> tuple[gpd.GeoDataFrame, str]:
    """The raw layer of a catalog entry with ``source: postgis`` (``spec.postgis``) and its content sha256."""
    return read_postgis(spec.postgis, layer=spec.name)
