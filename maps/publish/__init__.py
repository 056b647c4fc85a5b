"""Writing every output of a run, all or nothing, from the faces of ``web``, ``report``, ``history`` and
``exports``: an assessment (``publish``), the annual report (``publish_report``, ``rerun_report``) and a year
comparison (``publish_comparison``)."""

from .annual import REPORT_FORMATS, input_changes, publish_report, report_file_name, rerun_report
from .assessment import OUTPUT_FILES, publish, record_history, store_in_history
from .comparison import publish_comparison

__all__ = ["publish", "OUTPUT_FILES", "store_in_history", "record_history", "publish_report", "rerun_report",
           "input_changes", "report_file_name", "REPORT_FORMATS", "publish_comparison"]
