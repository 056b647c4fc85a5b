"""Run by the system Python with PyQGIS (not by pytest): open a GeoPackage, report each layer, render a map.

Usage: /usr/bin/python3 qgis_probe.py RESULTS.gpkg OUT.png LAYER [LAYER ...]
Prints one JSON object: for each layer its validity, feature count, renderer type, and the classes (value or
rule, colour, legend label) and labels of the style QGIS loaded by default; and the level map rendered to OUT.png
from the boundary, communities and facilities (split into point and polygon parts, as QGIS does when the file is
added), with the visible extent and map units per pixel so that the caller can find features in the picture.
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (Qgis, QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsProject,  # noqa: E402
                       QgsRectangle, QgsVectorLayer)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

gpkg, png, names = sys.argv[1], sys.argv[2], sys.argv[3:]
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()

report = {"qgis": Qgis.version(), "layers": {}}


def describe(layer):
    r = layer.renderer()
    d = {"valid": layer.isValid(), "count": layer.featureCount(), "renderer": r.type() if r else None,
         "labels": bool(layer.labelsEnabled())}
    if r is not None and r.type() == "categorizedSymbol":
        d["attr"] = r.classAttribute()
        d["classes"] = [[str(c.value()), c.symbol().color().name(), c.label()] for c in r.categories()]
    elif r is not None and r.type() == "RuleRenderer":
        d["classes"] = [[x.filterExpression(), x.symbol().color().name(), x.label()]
                        for x in r.rootRule().children()]
    elif r is not None and r.type() == "singleSymbol":
        d["classes"] = [["", r.symbol().color().name(), ""]]
    if layer.labelsEnabled():
        s = layer.labeling().settings()
        d["label_field"] = s.fieldName
        d["label_font"] = s.format().font().family()
    return d


for name in names:
    layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
    report["layers"][name] = describe(layer)

parts = {}
for gt in ("Point", "Polygon"):
    lyr = QgsVectorLayer(f"{gpkg}|layername=facilities|geometrytype={gt}", f"facilities {gt}", "ogr")
    parts[gt] = lyr
    report["layers"][f"facilities|{gt}"] = describe(lyr)

draw = [QgsVectorLayer(f"{gpkg}|layername={n}", n, "ogr") for n in ("boundary", "communities")]
draw = [parts["Point"], parts["Polygon"]] + draw[1:] + draw[:1]   # top first
for lyr in draw:
    QgsProject.instance().addMapLayer(lyr)
ms = QgsMapSettings()
ms.setLayers(draw)
ms.setDestinationCrs(draw[-1].crs())
ext = QgsRectangle(draw[-1].extent())
ext.scale(1.05)
ms.setExtent(ext)
ms.setOutputSize(QSize(1200, 1000))
ms.setBackgroundColor(QColor(255, 255, 255))
job = QgsMapRendererParallelJob(ms)
job.start()
job.waitForFinished()
img = job.renderedImage()
report["png_saved"] = bool(img.save(png, "png"))
report["png_size"] = [img.width(), img.height()]
vis = ms.visibleExtent()
report["extent"] = [vis.xMinimum(), vis.yMinimum(), vis.xMaximum(), vis.yMaximum()]
report["map_units_per_pixel"] = ms.mapUnitsPerPixel()
print(json.dumps(report, ensure_ascii=False), flush=True)
# PyQGIS may crash while Python and Qt both tear the layers down; the report is out, so leave at once
sys.stderr.flush()
os._exit(0)
