"""Reading data rows (FORMAT.md "Data rows"). Interim version: replaced by the full reader
(positions for every error, JSON Lines, labels) from the h-datarows branch."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ParseError
from .source import Span


class DataError(ParseError):
    """A data file that cannot give rows."""


@dataclass(frozen=True, slots=True)
class DataRow:
    number: int
    line: int
    values: Mapping[str, Any]
    label: str


def read_rows(path: Path, shown: str, *, limit: int) -> list[DataRow]:
    text = path.read_bytes()[:limit].decode("utf-8-sig")
    if shown.endswith(".json"):
        items = json.loads(text)
        rows = [DataRow(n, 1, item, f"row {n}") for n, item in enumerate(items, 1)]
    else:
        records = list(csv.reader(io.StringIO(text)))
        header, body = records[0], records[1:]
        rows = [
            DataRow(n, n + 1, dict(zip(header, r, strict=False)), f"row {n}")
            for n, r in enumerate(body, 1)
        ]
    if not rows:
        raise DataError(f"'{shown}' has no rows", Span.point(shown, 1))
    return rows
