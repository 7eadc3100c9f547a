"""A questionnaire definition as a file: YAML (the contract's own spelling) or the XLSX authoring template."""
from __future__ import annotations

import yaml

MEDIA_TYPES = {"yaml": "application/yaml",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def definition_file(definition: dict, file_format: str) -> bytes:
    """The definition in ``yaml`` or ``xlsx``; importing the file gives the same definition back."""
    if file_format == "xlsx":
        from survey_service.questionnaires.workbook import definition_workbook  # openpyxl only when asked for
        return definition_workbook(definition)
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, width=120).encode("utf-8")
