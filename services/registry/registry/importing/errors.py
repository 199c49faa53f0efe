"""What an import reports: file-level failures and row-level errors, with stable codes.

A file error (:class:`ImportFileError`) means the file cannot be read as a whole from
that point on; a row error (:class:`RowError`) rejects one row and the import goes on.
Codes are part of the API: screens translate them, and tests pin them.

File codes: ``unsupported_format``, ``empty_file``, ``bad_encoding``, ``malformed_csv``,
``malformed_json``, ``not_an_array``, ``not_an_object``, ``corrupt_xlsx``, ``archive_bomb``
(see :mod:`.archive`),
``missing_columns``, ``unknown_columns``, ``duplicate_columns``.

Row codes from reading and the layout: ``extra_cells``, ``unknown_field``,
``invalid_list``, ``invalid_categories``. From the contract (see :mod:`.rows` for the
mapping of pydantic's types): ``required``, ``too_long``, ``too_short``,
``invalid_choice``, ``invalid_date``, ``invalid_number``, ``invalid_boolean``,
``out_of_range``, ``invalid_type``, ``invalid_area``, ``head_count``, and the contract's
own codes, passed through (``name_missing``, ``invalid_name``, ``invalid_address``,
``birth_mismatch``, ``birth_in_future``,
``nin_malformed``, ``phone_*``, category and consent codes). The match key:
``missing_household_ref``, ``invalid_household_ref``, ``invalid_household_id``,
``duplicate_ref_in_file``, ``duplicate_id_in_file``. From the stored state (see
:mod:`.writer`): ``unknown_household_id``, ``outside_area``, ``area_change_not_allowed``,
``household_merged``, ``ref_conflict``, ``write_failed``.

Warnings (the row is imported): ``formula_like`` (see :mod:`common.spreadsheet`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ImportFileError(Exception):
    """The file is unreadable from ``row`` on (``None``: before any row)."""

    def __init__(self, code: str, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.row = row

    def as_row_error(self) -> RowError:
        return RowError(row=self.row, field=None, code=self.code, message=self.message)


class RowError(BaseModel):
    """One problem of one row: ``field`` names the file's column (or ``members[2].sex`` in JSON)."""

    model_config = ConfigDict(frozen=True)

    row: int | None
    field: str | None
    code: str
    message: str
