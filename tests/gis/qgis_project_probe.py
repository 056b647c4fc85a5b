"""Run by the system Python with PyQGIS (not by pytest): open a GeoPackage's layers and a QGIS project as a GIS
officer would, and report what QGIS made of them.

Usage: /usr/bin/python3 qgis_project_probe.py RESULTS.gpkg PROJECT.qgs OUT.png
Prints one JSON object:
  gpkg_layers   each layer of RESULTS.gpkg (as QGIS lists its sublayers) opened alone: validity and feature count
  gpkg_messages what QGIS's message log received while those layers were opened (GDAL's warnings are routed
                into the log, as the QGIS desktop shows them)
  project       PROJECT.qgs read: its layers, layer tree, default view, path mode, layouts and their items
  png           the first layout exported to OUT.png at 100 dpi
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from osgeo import gdal  # noqa: E402
from qgis.core import (Qgis, QgsApplication, QgsLayoutExporter, QgsLayoutItemLabel, QgsLayoutItemLegend,  # noqa: E402
                       QgsLayoutItemMap, QgsLayoutItemPicture, QgsLayoutItemScaleBar, QgsLayerTreeGroup,
                       QgsLayerTreeLayer, QgsMessageLog, QgsProject, QgsProviderRegistry, QgsVectorLayer)

gpkg, qgs, png = sys.argv[1:4]
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()

log = []
QgsApplication.messageLog().messageReceived.connect(lambda msg, tag, level: log.append([tag, int(level), msg]))


def to_log(err_class, err_no, msg):
    QgsMessageLog.logMessage(msg, "GDAL", Qgis.Warning if err_class == gdal.CE_Warning else Qgis.Critical)


gdal.PushErrorHandler(to_log)
report = {"qgis": Qgis.version(), "gpkg_layers": {}}

# 1. every layer of the GeoPackage, as the Browser / Data Source Manager lists and adds them
for sub in QgsProviderRegistry.instance().querySublayers(gpkg):
    lyr = QgsVectorLayer(sub.uri(), sub.name(), "ogr")
    report["gpkg_layers"][sub.uri().split("|", 1)[-1]] = {"name": sub.name(), "valid": lyr.isValid(),
                                                         "count": lyr.featureCount()}
app.processEvents()
report["gpkg_messages"] = list(log)
log.clear()

# 2. the project
p = QgsProject.instance()
ok = p.read(qgs)
app.processEvents()
proj = {"read": bool(ok), "error": p.error(), "crs": p.crs().authid(), "title": p.title(),
        "absolute_paths": p.readBoolEntry("Paths", "/Absolute", True)[0], "layers": [], "tree": []}
for lyr in [node.layer() for node in p.layerTreeRoot().findLayers()]:
    r = lyr.renderer() if lyr.isSpatial() else None
    d = {"id": lyr.id(), "name": lyr.name(), "valid": lyr.isValid(), "count": lyr.featureCount(),
         "source": lyr.source(), "spatial": lyr.isSpatial(), "renderer": r.type() if r else None,
         "labels": bool(lyr.labelsEnabled()) if lyr.isSpatial() else False}
    if r is not None and r.type() == "categorizedSymbol":
        d["attr"] = r.classAttribute()
        d["classes"] = [[str(c.value()), c.symbol().color().name(), c.label()] for c in r.categories()]
    elif r is not None and r.type() == "RuleRenderer":
        d["classes"] = [[x.filterExpression(), x.symbol().color().name(), x.label()] for x in r.rootRule().children()]
    if d["labels"]:
        d["label_field"] = lyr.labeling().settings().fieldName
    proj["layers"].append(d)
# every layer the project loaded, whether or not in the layer tree
proj["registry_ids"] = sorted(p.mapLayers().keys())
for node in p.layerTreeRoot().children():
    if isinstance(node, QgsLayerTreeGroup):
        proj["tree"].append({"group": node.name(), "visible": node.isVisible(),
                             "layers": [c.name() for c in node.children() if isinstance(c, QgsLayerTreeLayer)]})
    else:
        proj["tree"].append({"layer": node.name()})
view = p.viewSettings().defaultViewExtent()
proj["default_view"] = [view.xMinimum(), view.yMinimum(), view.xMaximum(), view.yMaximum()]
proj["default_view_crs"] = view.crs().authid()
proj["layouts"] = []
for layout in p.layoutManager().printLayouts():
    page = layout.pageCollection().page(0)
    items = []
    for it in layout.items():
        if isinstance(it, QgsLayoutItemMap):
            e = it.extent()
            items.append({"kind": "map", "id": it.id(), "extent": [e.xMinimum(), e.yMinimum(), e.xMaximum(),
                                                                  e.yMaximum()], "scale": it.scale(),
                          "crs": it.crs().authid()})
        elif isinstance(it, QgsLayoutItemLabel):
            items.append({"kind": "label", "id": it.id(), "text": it.currentText(),
                          "font": it.font().family()})
        elif isinstance(it, QgsLayoutItemLegend):
            model = it.model()
            names = [model.data(model.index(i, 0), 0) for i in range(model.rowCount())]
            items.append({"kind": "legend", "id": it.id(), "title": it.title(),
                          "map": it.linkedMap().id() if it.linkedMap() else None, "layers": names})
        elif isinstance(it, QgsLayoutItemScaleBar):
            items.append({"kind": "scalebar", "id": it.id(), "style": it.style(),
                          "map": it.linkedMap().id() if it.linkedMap() else None, "units": it.unitLabel()})
        elif isinstance(it, QgsLayoutItemPicture):
            items.append({"kind": "picture", "id": it.id(), "path": it.picturePath(),
                          "map": it.linkedMap().id() if it.linkedMap() else None})
    proj["layouts"].append({"name": layout.name(), "page_mm": [page.pageSize().width(), page.pageSize().height()],
                            "items": items})
report["project"] = proj

# 3. the layout as a picture
if p.layoutManager().printLayouts():
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = 100
    res = QgsLayoutExporter(p.layoutManager().printLayouts()[0]).exportToImage(png, settings)
    report["png"] = {"ok": res == QgsLayoutExporter.Success, "result": int(res)}
app.processEvents()
report["project_messages"] = list(log)
print(json.dumps(report, ensure_ascii=False), flush=True)
# PyQGIS may crash while Python and Qt both tear the layers down; the report is out, so leave at once
sys.stderr.flush()
os._exit(0)
