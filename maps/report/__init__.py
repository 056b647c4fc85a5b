"""The reports: the summary ``report.html`` of ``ecotown assess`` and the annual report of ``ecotown report``
(Thai or English; HTML, PDF, XLSX, with its tables as CSV).

``model.py`` builds what a report shows (tables, words, figures), ``render.py`` renders it with ``templates/``,
``figures.py`` draws the static maps and charts, ``pdf.py`` lays the HTML out as PDF, ``xlsx.py`` writes the
workbook.
"""

from .model import LANGS, AnnualReport, build_annual_report, load_strings, report_tables_order
from .pdf import thai_font_available, write_pdf
from .render import render_annual_html, render_report, write_figures, write_report
from .xlsx import write_xlsx

__all__ = ["render_report", "write_report", "build_annual_report", "render_annual_html", "AnnualReport",
           "report_tables_order", "load_strings", "LANGS", "write_pdf", "write_xlsx", "write_figures",
           "thai_font_available"]
