"""HR imports: organisation units and staff, from CSV or XLSX files.

The public interface, used by the management commands and the admin:
``org_import``, ``staff_import``, ``ImportReport``, ``RowError`` and
``ProgressCallback``. A file with any error is refused as a whole: the report
lists every bad row and nothing is written. The admin's uploads run them in
tasks (check, then apply): ``lms.services.imports.jobs``.

- ``readers``: CSV and XLSX files as a stream of rows; ``report``: the report.
- ``org``: the organisation import (``org_rows`` reads and checks the rows,
  ``org_tree`` the tree they ask for).
- ``staff``: the staff import (``staff_rows`` reads and checks the rows,
  ``staff_compare`` compares them with the stored employees, ``staff_write``
  writes them).
"""

from lms.services.imports.org import org_import
from lms.services.imports.report import ImportReport, ProgressCallback, RowError
from lms.services.imports.staff import staff_import

__all__ = [
    "ImportReport",
    "ProgressCallback",
    "RowError",
    "org_import",
    "staff_import",
]
