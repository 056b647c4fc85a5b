"""What a run read and with which settings: the inputs (each layer's source, sha256, CRS read, feature count) and
the manifest written beside the results, so that maps and reports never re-open an input to describe it."""

from __future__ import annotations

import datetime as _dt
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import geo
from layers import Catalog, LayerSpec, sha256_file

from .edition import Edition

__all__ = ["software_version", "layer_inputs", "build_manifest"]


def software_version() -> str:
    """The installed ecotown version (or 'unknown' when run from an uninstalled tree)."""
    try:
        return version("ecotown")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _digest(spec: LayerSpec, fact: dict) -> tuple[str, str]:
    """(sha256, source) of a layer: what reading it computed, else the file's (or a PostGIS table's rows)."""
    source = f"postgis:{spec.name}" if spec.is_postgis else str(spec.source)
    if fact.get("sha256"):
        return str(fact["sha256"]), source
    if spec.is_postgis:  # a database table has no file: hash the rows (columns, values, geometries)
        from layers.postgis import read_postgis_layer

        return read_postgis_layer(spec)[1], source
    return sha256_file(spec.source), source


def layer_inputs(catalog: Catalog, facts: dict[str, dict], *, year: int, evidence: Path | None) -> list[dict]:
    """One entry per layer of the catalog, per joined table and for the evidence file: source, sha256, vintage,
    and for a layer the run read the CRS it was read in (``read_crs``, converted to EPSG:32647) and its
    ``features``."""
    inputs: list[dict[str, Any]] = []
    for spec in catalog.layers.values():
        fact = facts.get(spec.name, {})
        digest, source = _digest(spec, fact)
        entry = {"layer": spec.name, "role": spec.role, "source": source, "layer_in_file": spec.layer,
                 "sha256": digest, "vintage": spec.vintage}
        if fact.get("source_crs"):
            entry["read_crs"] = fact["source_crs"]  # converted from this to EPSG:32647
        if "features" in fact:
            entry["features"] = fact["features"]
        # a layer added to the store (`ecotown layers add`) also names the file it came from
        for key in ("source_file", "source_sha256", "source_crs", "added"):
            if getattr(spec, key, None):
                entry[key] = str(getattr(spec, key))
        inputs.append(entry)
        for j in spec.joins:  # tables joined to the layer (`ecotown layers join`)
            inputs.append({"layer": f"{spec.name}/{j.name}", "role": "join", "source": str(j.source),
                           "layer_in_file": j.sheet or j.layer, "sha256": sha256_file(j.source),
                           "vintage": j.vintage, "joined_to": spec.name, "on": j.on,
                           "fields": dict(j.fields), "aggregate": j.aggregate})
    if evidence:
        inputs.append({"layer": f"evidence-{year}", "role": "evidence", "source": str(evidence),
                       "layer_in_file": None, "sha256": sha256_file(evidence), "vintage": year})
    return inputs


def build_manifest(catalog: Catalog, edition: Edition, rings: geo.RingDistances, *, year: int,
                   inputs: list[dict], methods: dict[str, str], overrides: dict[str, float] | None,
                   landcover: dict, scope: dict) -> dict:
    """The run's manifest: software, year, catalog and edition (with sha256), inputs, parameters (the measured
    rings, see :meth:`geo.RingDistances.as_parameters`), land cover and scope."""
    rp = rings.as_parameters()
    return {
        "software": "ecotown",
        "version": software_version(),
        "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "year": year,
        "year_be": year + 543,
        "catalog": {"path": str(catalog.path), "sha256": sha256_file(catalog.path), "name": catalog.name},
        "edition": {"id": edition.id, "path": str(edition.path), "sha256": edition.sha256},
        "inputs": inputs,
        "parameters": {"crs": geo.METRIC_CRS, "rings_m": rp.pop("rings_m"), "green_ring_m": rp.pop("green_ring_m"),
                       **methods, "overrides": dict(sorted((overrides or {}).items())), **rp},
        "landcover": landcover,
        "scope": scope,
    }
