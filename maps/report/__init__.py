"""The reports: the summary ``report.html`` of ``ecotown assess`` and the annual report of ``ecotown report``
(Thai or English; HTML, PDF, XLSX, with its tables as CSV), two templates over one model.

``model.py`` builds what both reports show (:func:`build_report`: tables, words, figures), ``render.py`` renders
it with ``templates/`` (``summary_report.html.j2``, ``annual_report.html.j2``),
``figures.py`` draws the static maps and charts, ``pdf.py`` lays the HTML out as PDF, ``xlsx.py`` writes the
workbook.
"""

from .model import LANGS, ReportModel, build_report, load_strings, report_tables_order
from .pdf import thai_font_available, write_pdf
from .render import render_annual_html, render_report, render_summary_html, write_figures, write_report
from .xlsx import write_xlsx

__all__ = ["build_report", "ReportModel", "render_summary_html", "render_annual_html", "render_report",
           "write_report", "report_tables_order", "load_strings", "LANGS", "write_pdf", "write_xlsx",
           "write_figures", "thai_font_available"]
