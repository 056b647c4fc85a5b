"""Files for other tools: the results tables (CSV, ``results.gpkg`` and, on request, Parquet/GeoParquet), the
buffer tables, KML/KMZ for Google Earth, and the QGIS styles (inside every GeoPackage) and project (``results.qgs``).

``files.py`` is the one home of how a file is written (CSV, GeoPackage with pinned dates, all-or-nothing folders);
``columnar.py`` of Parquet and GeoParquet (streamed in row groups).
"""

from .buffer import BufferAnalysis, buffer_analysis, buffer_rings, write_buffer_tables
from .columnar import DEFAULT_FORMATS, OUTPUT_FORMATS, parse_formats, write_parquet, write_parquet_tables
from .files import csv_digest, staged_output, write_csv

__all__ = ["write_tables", "write_manifest", "write_csv", "csv_digest", "staged_output", "write_project", "export_kml",
           "buffer_analysis", "buffer_rings", "BufferAnalysis", "write_buffer_tables", "write_parquet",
           "write_parquet_tables", "parse_formats", "OUTPUT_FORMATS", "DEFAULT_FORMATS"]

from geo.lazy import lazy_attributes

#: names imported on first use: KML, QGIS and the results tables need criteria/ and its libraries, which
#: ``ecotown buffer`` (tables of the exposure only) does not
_LAZY = {"export_kml": ".kml", "write_project": ".qgis_project", "write_manifest": ".tables",
         "write_tables": ".tables"}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())
