"""Cells that a spreadsheet opens as text, never as a formula, in any locale (OWASP, "CSV Injection").

Consulates open our CSV files in Excel or LibreOffice. A cell starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is run as a formula, and so is text after a separator when the
program splits a cell the file meant as one: Excel in Spain and most of Latin America splits on
``;``, and some importers on ``,``, tabs or line breaks. So every cell is quoted by the writer
(``csv.QUOTE_ALL``) and, on top of that, a ``'`` goes before each formula trigger that starts the
cell or follows a separator (spaces between do not help). The ``'`` shows in the cell: a
consulate reads ``'-`` instead of ``-`` in the rare name that needs it; nothing runs.
"""

from __future__ import annotations

import re

from common.text import strip_forbidden

_TRIGGERS = "=+\\-@\t\r"
_AT_START = re.compile(rf"^(\s*)([{_TRIGGERS}])")
_AFTER_SEPARATOR = re.compile(rf"([,;|\t\r\n]\s*)([{_TRIGGERS}])")


def spreadsheet_cell(value: object) -> str:
    """``value`` as text that no spreadsheet runs (None is an empty cell)."""
    if value is None:
        return ""
    text = strip_forbidden(str(value))
    text = _AFTER_SEPARATOR.sub(r"\1'\2", text)
    return _AT_START.sub(r"'\1\2", text)
