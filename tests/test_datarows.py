"""Data files read into rows (runner/datarows.py): CSV, JSON and JSON Lines, each error at its
file:line:col, labels, and properties over arbitrary bytes and generated tables."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.datarows import DataError, DataRow, read_rows
from runner.errors import EXIT_INVALID_INPUT, render_error
from runner.jsonvalues import MAX_DEPTH
from runner.source import normalize_newlines, source_lines

LIMIT = 1 << 20
EXAMPLES = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Nested JSON values cost more to draw than to read: fewer of them.
FEWER = settings(EXAMPLES, max_examples=50)


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


def rows_of(folder: Path, name: str, content: str | bytes) -> list[DataRow]:
    return read_rows(write(folder, name, content), name, limit=LIMIT)


def error_of(folder: Path, name: str, content: str | bytes, *, limit: int = LIMIT) -> DataError:
    with pytest.raises(DataError) as raised:
        read_rows(write(folder, name, content), name, limit=limit)
    return raised.value


# ---- reading each format ------------------------------------------------------------------------


def test_csv_rows_are_strings_named_by_the_header(tmp_path: Path) -> None:
    rows = rows_of(tmp_path, "rows.csv", 'sku,price,note\nA-1,1100.00,\nB-2,5,"x, y"\n')
    assert rows == [
        DataRow(1, 2, {"sku": "A-1", "price": "1100.00", "note": ""}, "row 1"),
        DataRow(2, 3, {"sku": "B-2", "price": "5", "note": "x, y"}, "row 2"),
    ]


def test_csv_bom_crlf_blank_lines_and_multi_line_values(tmp_path: Path) -> None:
    content = '\ufeff\r\nsku,note\r\n\r\nA,"two\r\nlines"\r\n\r\nB,"say ""hi"""\r\n'
    rows = rows_of(tmp_path, "rows.CSV", content)
    assert [(row.number, row.line, dict(row.values)) for row in rows] == [
        (1, 4, {"sku": "A", "note": "two\r\nlines"}),
        (2, 7, {"sku": "B", "note": 'say "hi"'}),
    ]


def test_a_lone_carriage_return_ends_a_csv_line(tmp_path: Path) -> None:
    rows = rows_of(tmp_path, "rows.csv", "a\rx\ry\r")
    assert [(row.line, row.values) for row in rows] == [(2, {"a": "x"}), (3, {"a": "y"})]


def test_json_rows_keep_their_types_and_lines(tmp_path: Path) -> None:
    content = '[\n  {"sku": "A", "price": 1100, "tags": ["x"], "ok": true},\n  {"sku": null}\n]\n'
    rows = rows_of(tmp_path, "rows.json", content)
    assert rows == [
        DataRow(1, 2, {"sku": "A", "price": 1100, "tags": ["x"], "ok": True}, "row 1"),
        DataRow(2, 3, {"sku": None}, "row 2"),
    ]


def test_json_lone_surrogates_read_as_replacement_characters(tmp_path: Path) -> None:
    [row] = rows_of(tmp_path, "rows.json", '[{"\\ud800": "a\\udfffb", "ok": "\\ud83d\\ude00"}]')
    assert row.values == {"\ufffd": "a\ufffdb", "ok": "\U0001f600"}


@pytest.mark.parametrize("name", ["rows.jsonl", "rows.ndjson", "ROWS.JSONL"])
def test_json_lines_skip_blank_lines(tmp_path: Path, name: str) -> None:
    rows = rows_of(tmp_path, name, '\n{"id": 7}\r\n  \n\t{"id": 8, "x": [1]}  \n')
    assert [(row.number, row.line, row.values) for row in rows] == [
        (1, 2, {"id": 7}),
        (2, 4, {"id": 8, "x": [1]}),
    ]


def test_field_names_need_not_be_identifiers(tmp_path: Path) -> None:
    [row] = rows_of(tmp_path, "rows.csv", "first name,2nd,a.b\nAda,x,y\n")
    assert row.values == {"first name": "Ada", "2nd": "x", "a.b": "y"}


# ---- labels -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "labels"),
    [
        ("name,id\nshoes,1\nhats,2\n", ["shoes", "hats"]),
        # a name that is missing, blank, repeated, too long or on two lines: then the id
        ("name,id\nshoes,1\n,2\n", ["1", "2"]),
        ("name,id\nshoes,1\n  ,2\n", ["1", "2"]),
        ("name,id\nshoes,1\nshoes,2\n", ["1", "2"]),
        (f"name,id\n{'n' * 41},1\nhats,2\n", ["1", "2"]),
        (f"name,id\n{'n' * 40},1\nhats,2\n", ["n" * 40, "hats"]),
        ('name,id\n"two\nlines",1\nhats,2\n', ["1", "2"]),
        # neither labels every row: row N for all, never a mix
        ("name,id\nshoes,1\nshoes,1\n", ["row 1", "row 2"]),
        ("sku\nA\nB\n", ["row 1", "row 2"]),
    ],
)
def test_labels_name_each_row_unambiguously(
    tmp_path: Path, content: str, labels: list[str]
) -> None:
    assert [row.label for row in rows_of(tmp_path, "rows.csv", content)] == labels


def test_json_labels_use_the_values_json_text(tmp_path: Path) -> None:
    rows = rows_of(tmp_path, "rows.json", '[{"id": 7}, {"id": true}, {"id": "7a"}]')
    assert [row.label for row in rows] == ["7", "true", "7a"]
    rows = rows_of(tmp_path, "rows.json", '[{"id": 7}, {"id": null}]')
    assert [row.label for row in rows] == ["row 1", "row 2"]


# ---- errors, each at its place ------------------------------------------------------------------


def test_a_data_error_is_an_invalid_file(tmp_path: Path) -> None:
    error = error_of(tmp_path, "rows.csv", "")
    assert error.exit_code == EXIT_INVALID_INPUT
    assert error.hint


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("rows.txt", "a\n1\n", "rows.txt:1:1: cannot tell the format of 'rows.txt'"),
        ("rows", "a\n1\n", "rows:1:1: cannot tell the format of 'rows'"),
        ("rows.csv", "", "rows.csv:1:1: 'rows.csv' has no header row"),
        ("rows.csv", "\n\r\n", "rows.csv:1:1: 'rows.csv' has no header row"),
        ("rows.csv", "\nsku,price\n", "rows.csv:2:1: 'rows.csv' has no rows"),
        ("rows.csv", "a,,c\n1,2,3\n", "rows.csv:1:3: column 2 of the header has no name"),
        ("rows.csv", 'a,"x\ny", \n', "rows.csv:2:4: column 3 of the header has no name"),
        ("rows.csv", 'a,"b",a\n', "rows.csv:1:7: column 'a' is named twice in the header"),
        (
            "rows.csv",
            "a,b,c\n1,2,3\n\n1,2,3\n4,5,6\n7,8,9\n1,2,3,4\n",
            "rows.csv:7:1: row 5 has 4 fields; the header has 3",
        ),
        ("rows.csv", "a,b\n1\n", "rows.csv:2:1: row 1 has 1 field; the header has 2"),
        ("rows.csv", 'a,b\n1,2\n3,"x\ny\n', "rows.csv:3:3: a quoted value is never closed"),
        (
            "rows.csv",
            'a,b\n1,"x\ny"z\n',
            "rows.csv:3:1: not valid CSV: ',' expected after '\"'",
        ),
        ("rows.json", "", "rows.json:1:1: 'rows.json' has no rows"),
        ("rows.json", " [ ]\n", "rows.json:1:1: 'rows.json' has no rows"),
        (
            "rows.json",
            '\n {"a": 1}',
            "rows.json:2:2: 'rows.json' holds an object, not an array of objects",
        ),
        (
            "rows.json",
            "nope",
            "rows.json:1:1: 'rows.json' holds null, not an array of objects",
        ),
        (
            "rows.json",
            '[{"a": 1},\n  {"a": 2},\n     3]',
            "rows.json:3:6: row 3 is a number, not an object",
        ),
        ("rows.json", '[{"a": 1}, "x"]', "rows.json:1:12: row 2 is a string, not an object"),
        ("rows.json", "[[]]", "rows.json:1:2: row 1 is an array, not an object"),
        (
            "rows.json",
            '[{"a": 1}\n {"a": 2}]',
            "rows.json:2:2: not valid JSON: expected ',' or ']' after a row",
        ),
        ("rows.json", '[{"a": 1},]', "rows.json:1:11: not valid JSON: expecting value"),
        (
            "rows.json",
            '[{"a": 1}',
            "rows.json:1:10: not valid JSON: expected ',' or ']' after a row",
        ),
        (
            "rows.json",
            '[{"a": 1\n, "b" 2}]',
            "rows.json:2:7: not valid JSON: expecting ':' delimiter",
        ),
        ("rows.json", '[{"a": 1}] []', "rows.json:1:12: not valid JSON: more text after the array"),
        (
            "rows.json",
            '[{"a": 1}, {" ": 2}]',
            "rows.json:1:12: row 2 has a field with an empty name",
        ),
        ("rows.jsonl", "\n \n", "rows.jsonl:1:1: 'rows.jsonl' has no rows"),
        ("rows.jsonl", '{"a": 1}\n\n  [1]\n', "rows.jsonl:3:3: row 2 is an array, not an object"),
        ("rows.jsonl", '{"a": 1}\n{"a":\n2}\n', "rows.jsonl:2:6: not valid JSON: expecting value"),
        (
            "rows.jsonl",
            '{"a": 1} {"a": 2}\n',
            "rows.jsonl:1:10: not valid JSON: more text after the object on this line",
        ),
        ("rows.jsonl", '{"": 1}\n', "rows.jsonl:1:1: row 1 has a field with an empty name"),
    ],
)
def test_each_error_at_its_place(tmp_path: Path, name: str, content: str, expected: str) -> None:
    assert str(error_of(tmp_path, name, content)) == expected


def test_a_csv_value_over_the_csv_modules_limit(tmp_path: Path) -> None:
    long = "x" * (csv.field_size_limit() + 1)
    error = error_of(tmp_path, "rows.csv", f"a,b\n1,2\n3,{long}\n")
    assert str(error) == f"rows.csv:3:1: a value is longer than {csv.field_size_limit()} characters"
    assert ".json" in error.hint


def test_nesting_deeper_than_the_limit_is_an_error_at_the_row(tmp_path: Path) -> None:
    deep = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    error = error_of(tmp_path, "rows.json", f'[{{"a": 1}},\n {{"a": {deep}}}]')
    assert str(error) == f"rows.json:2:2: row 2 nests deeper than {MAX_DEPTH} levels"
    # deep enough to exhaust json's recursion, unclosed: still the same error
    error = error_of(tmp_path, "rows.jsonl", "[" * 100_000)
    assert str(error) == f"rows.jsonl:1:1: row 1 nests deeper than {MAX_DEPTH} levels"


@pytest.mark.parametrize(
    ("content", "place", "byte"),
    [
        (b"a,b\n1,\xff\n", "2:3", "0xff"),
        (b"\xef\xbb\xbfa,b\r\n\xc3\xa9,\xc3(\r\n", "2:3", "0xc3"),
        (b"\xe9a,b\n", "1:1", "0xe9"),
        (b'[{"a": "\xc3\xa9\xc3\xa9\x80"}]', "1:11", "0x80"),
    ],
)
def test_invalid_utf8_at_the_first_bad_byte(
    tmp_path: Path, content: bytes, place: str, byte: str
) -> None:
    name = "rows.json" if content.startswith(b"[") else "rows.csv"
    error = error_of(tmp_path, name, content)
    assert str(error) == f"{name}:{place}: data file '{name}' is not valid UTF-8"
    assert byte in error.label


def test_a_file_over_the_limit_is_an_error_at_line_1(tmp_path: Path) -> None:
    error = error_of(tmp_path, "rows.csv", "a\n" + "1\n" * 100, limit=64)
    assert (
        str(error) == "rows.csv:1:1: cannot read data file 'rows.csv': it is larger than 64 bytes"
    )
    assert "split" in error.hint


def test_a_missing_file_or_a_folder_is_an_error_at_line_1(tmp_path: Path) -> None:
    with pytest.raises(DataError) as raised:
        read_rows(tmp_path / "gone.csv", "gone.csv", limit=LIMIT)
    assert str(raised.value).startswith("gone.csv:1:1: cannot read data file 'gone.csv': ")
    assert raised.value.hint
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(DataError) as raised:
        read_rows(tmp_path / "dir.json", "dir.json", limit=LIMIT)
    assert str(raised.value) == (
        "dir.json:1:1: cannot read data file 'dir.json': it is a folder, not a regular file"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "rows.csv")
    with pytest.raises(DataError, match="named pipe"):
        read_rows(tmp_path / "rows.csv", "rows.csv", limit=LIMIT)


def test_messages_show_the_line_with_a_csv_secret_column_masked(tmp_path: Path) -> None:
    shown = str(tmp_path / "users.csv")
    path = write(tmp_path, "users.csv", "user,password\nada,s3cr3t-pw\nbob,hunter2-x,extra\n")
    with pytest.raises(DataError) as raised:
        read_rows(path, shown, limit=LIMIT)
    rendered = render_error(raised.value)
    assert "row 2 has 3 fields" in rendered
    assert "3 | ****,****,****" in rendered
    assert "hunter2" not in rendered and "s3cr3t" not in rendered


@pytest.mark.parametrize(
    ("content", "shown_lines"),
    [
        ("user,api_key\nada,k-123456\n", ["user,api_key", "****,****", ""]),
        ('\nuser,token\r\nada,"a,\nb"\n', ["", "user,token", "****,****,", "****", ""]),
        ("user,city\nada,Oslo\n", ["user,city", "ada,Oslo", ""]),
    ],
)
def test_the_lines_of_a_file_read_are_kept_masked_for_later_messages(
    tmp_path: Path, content: str, shown_lines: list[str]
) -> None:
    shown = f"kept-{len(content)}.csv"  # each case its own name in the process-wide registry
    read_rows(write(tmp_path, "users.csv", content), shown, limit=LIMIT)
    assert source_lines(shown) == shown_lines


def test_messages_show_the_line_as_read_without_secret_columns(tmp_path: Path) -> None:
    shown = str(tmp_path / "users.csv")
    path = write(tmp_path, "users.csv", 'user,city\nada,"Oslo, N"\nbob\n')
    with pytest.raises(DataError) as raised:
        read_rows(path, shown, limit=LIMIT)
    assert "3 | bob" in render_error(raised.value)


def test_a_secret_in_a_json_row_is_masked_under_the_message(tmp_path: Path) -> None:
    shown = str(tmp_path / "users.jsonl")
    path = write(tmp_path, "users.jsonl", '{"password": "hunter2-x", "n": 1} x\n')
    with pytest.raises(DataError) as raised:
        read_rows(path, shown, limit=LIMIT)
    rendered = render_error(raised.value)
    assert "more text after the object" in rendered and "hunter2" not in rendered


def test_the_shown_name_is_escaped_in_messages(tmp_path: Path) -> None:
    path = write(tmp_path, "rows.csv", "")
    with pytest.raises(DataError) as raised:
        read_rows(path, "evil\x1b[31m.csv", limit=LIMIT)
    assert "\x1b" not in raised.value.message
    error = error_of(tmp_path, "rows.csv", "a\x1b[2J,a\x1b[2J\n1,2\n")
    assert error.message == "column 'a\\x1b[2J' is named twice in the header"


# ---- properties ---------------------------------------------------------------------------------

SUFFIXES = [".csv", ".json", ".jsonl"]
# Pieces of JSON and CSV syntax: random bytes rarely make a file that gets far into a reader.
SHAPED = st.sampled_from(
    [
        *(b"[", b"]", b"{", b"}", b",", b":", b'"', b"\n", b"\r", b" ", b"1", b"a", b"\xff"),
        *(b"\\ud800", b"\xef\xbb\xbf", b'{"name": "a"}', b'{"id": 1}', b"name,id"),
    ]
)


@EXAMPLES
@given(
    suffix=st.sampled_from(SUFFIXES),
    content=st.one_of(
        st.binary(max_size=200),
        st.lists(SHAPED, max_size=40).map(b"".join),
        st.text(max_size=100).map(lambda text: text.encode("utf-8", "surrogatepass")),
    ),
)
def test_any_bytes_give_rows_or_a_data_error(tmp_path: Path, suffix: str, content: bytes) -> None:
    path = write(tmp_path, f"any{suffix}", content)
    try:
        rows = read_rows(path, path.name, limit=LIMIT)
    except DataError as error:
        assert error.span is not None and error.span.path == path.name
        assert 1 <= error.span.line <= line_count(content) and error.span.column >= 1
        return
    assert rows and [row.number for row in rows] == list(range(1, len(rows) + 1))
    assert all(1 <= row.line <= line_count(content) for row in rows)
    labels = [row.label for row in rows]
    assert len(set(labels)) == len(labels)


def line_count(content: bytes) -> int:
    return normalize_newlines(content.decode("utf-8", errors="replace")).count("\n") + 1


NAMES = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=8).filter(
    lambda name: name.strip() != "" and not name.startswith("\ufeff")
)
CELLS = st.text(st.characters(exclude_categories=["Cs"]), max_size=10)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | CELLS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(CELLS, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def tables(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> list[dict[str, Any]]:
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    count = draw(st.integers(min_value=1, max_value=5))
    return [{name: draw(values) for name in names} for _ in range(count)]


@EXAMPLES
@given(table=tables(CELLS))
def test_a_table_written_as_csv_reads_back_as_strings(
    tmp_path: Path, table: list[dict[str, str]]
) -> None:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(list(table[0]))
    writer.writerows([list(row.values()) for row in table])
    rows = rows_of(tmp_path, "table.csv", text.getvalue())
    assert [dict(row.values) for row in rows] == table


@FEWER
@given(table=tables(JSON_VALUES), indent=st.sampled_from([None, 2]))
def test_a_table_written_as_json_reads_back_with_its_types(
    tmp_path: Path, table: list[dict[str, Any]], indent: int | None
) -> None:
    rows = rows_of(tmp_path, "table.json", json.dumps(table, indent=indent, ensure_ascii=False))
    assert [dict(row.values) for row in rows] == table
    lines = "\n".join(json.dumps(row, ensure_ascii=False) for row in table)
    rows = rows_of(tmp_path, "table.jsonl", lines + "\n")
    assert [dict(row.values) for row in rows] == table
    assert [row.line for row in rows] == list(range(1, len(table) + 1))


LABELLING = st.one_of(
    st.none(), st.integers(0, 3), st.sampled_from(["a", "b", " ", "", "x\ny", "n" * 41])
)


@EXAMPLES
@given(
    rows=st.lists(
        st.fixed_dictionaries({}, optional={"name": LABELLING, "id": LABELLING}),
        min_size=1,
        max_size=4,
    )
)
def test_labels_are_all_a_field_or_all_row_numbers_and_never_repeat(
    tmp_path: Path, rows: list[dict[str, Any]]
) -> None:
    labels = [row.label for row in rows_of(tmp_path, "rows.json", json.dumps(rows))]
    assert len(set(labels)) == len(labels)
    numbered = [f"row {number}" for number in range(1, len(rows) + 1)]
    by_name = [json_text(row.get("name")) for row in rows]
    by_id = [json_text(row.get("id")) for row in rows]
    assert labels in (numbered, by_name, by_id)
    assert labels == numbered or all(
        0 < len(label) <= 40 and label.isprintable() for label in labels
    )


def json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
