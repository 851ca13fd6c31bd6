"""CSV import and export for any record type.

Export writes what import reads: one column per field (custom fields included), picklists
as codes, references as record numbers, owners as logins (``group:NAME`` for groups),
dates in ISO form, tags separated by commas; a text that would start a spreadsheet formula
gets a leading apostrophe, which import removes. Import streams the file (memory stays flat
for a million rows), validates every row like a normal save, and is all-or-nothing unless
bad rows are to be skipped; every stored record gets source ``import`` and a history entry.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from .actors import SYSTEM, Actor
from .errors import CRMError, ValidationError
from .i18n import msg
from .query import Where
from .schema import RecordType, text

if TYPE_CHECKING:
    from .runtime import CRM

#: Export columns import leaves alone: the CRM sets them.
IGNORED_ON_IMPORT = {
    "id",
    "created_at",
    "created_by",
    "modified_at",
    "modified_by",
    "source",
    "deleted",
}
csv.field_size_limit(10 * 1024 * 1024)
#: Stored rows whose possible duplicates are asked for at once.
DUPLICATES_BATCH = 1000
#: Imports at least this big refresh the database's statistics afterwards.
ANALYZE_AFTER = 50_000
#: A cell starting with one of these is a formula to a spreadsheet ("CSV injection"):
#: ``=HYPERLINK(…)`` in a ticket title would run when staff open the export.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(cell: str) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading
    apostrophe (numbers such as ``-5`` stay as they are). Import takes it off again."""
    if cell.startswith(FORMULA_STARTS) and not _is_number(cell):
        return "'" + cell
    return cell


def unguard_formula(cell: str) -> str:
    """The value :func:`guard_formula` protected."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


class ImportFailed(CRMError):
    """The import was refused; ``errors`` lists ``(line, {field: message})``."""

    def __init__(self, message: str, errors: list[tuple[int, dict[str, str]]]):
        super().__init__(message)
        self.errors = errors


@dataclass
class ImportReport:
    imported: int = 0
    skipped: int = 0
    errors: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    dry_run: bool = False
    #: ``(line, hits)``: rows that look like existing records (:mod:`crm_core.duplicates`);
    #: warnings only, the rows are imported.
    duplicates: list[tuple[int, list[dict[str, Any]]]] = field(default_factory=list)


class _Lookups(NamedTuple):
    """The :class:`~crm_core.fieldtypes.CSVContext` of one batch of exported records."""

    titles: dict[str, dict[str, Any]]
    logins: dict[str, str]

    def record(self, key: str) -> dict[str, Any] | None:
        return self.titles.get(key)

    def owner_login(self, ref: str) -> str:
        return self.logins.get(ref, ref)


class _DryRun(Exception):
    """Raised to roll back a dry run once every row was checked."""


class Transfer:
    def __init__(self, crm: CRM):
        self.crm = crm

    # -- export -------------------------------------------------------------------------

    def export(
        self,
        type_name: str,
        out: IO[str],
        *,
        where: Where | list | dict | None = None,
        actor: Actor = SYSTEM,
        tag: str | None = None,
        deleted: bool = False,
    ) -> int:
        """Write matching records (of the recycle bin with ``deleted``) as CSV to ``out``;
        returns how many were written."""
        rt = self.crm.refresh().type(type_name)
        columns = [f for f in rt.fields if f.name != "deleted"]
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([f.name for f in columns] + ["tags"])
        count = 0
        batch: list[dict[str, Any]] = []
        for record in self.crm.records.iterate(
            type_name, where=where, actor=actor, tag=tag, deleted=deleted
        ):
            batch.append(record)
            if len(batch) == 500:
                count += self._write_batch(writer, rt, columns, batch)
                batch = []
        count += self._write_batch(writer, rt, columns, batch)
        return count

    def _write_batch(self, writer, rt: RecordType, columns, records: list[dict[str, Any]]) -> int:
        if not records:
            return 0
        field_types = self.crm.registry.field_types
        kinds = [(f, field_types[f.type]) for f in columns]
        refs, owners = set(), set()
        for record in records:
            for f, ftype in kinds:
                value = record.get(f.name)
                if value is not None:
                    refs.update(ftype.references(value, f))
                    owners.update(ftype.owners(value, f))
        lookups = _Lookups(
            self.crm.records.titles(refs) if refs else {}, self._owner_logins(owners)
        )
        for record in records:
            row = []
            for f, ftype in kinds:
                value = record.get(f.name)
                row.append("" if value is None else guard_formula(ftype.to_csv(value, f, lookups)))
            row.append(guard_formula(",".join(record.get("tags") or [])))
            writer.writerow(row)
        return len(records)

    def _owner_logins(self, owners: set[str]) -> dict[str, str]:
        if not owners:
            return {}
        logins = {f"user:{u['id']}": u["login"] for u in self.crm.directory.list_users()}
        groups = {
            f"group:{g['id']}": f"group:{g['name']}" for g in self.crm.directory.list_groups()
        }
        return {ref: logins.get(ref) or groups.get(ref) or ref for ref in owners}

    # -- import -------------------------------------------------------------------------

    def import_file(
        self,
        type_name: str,
        source: str | Path | IO[str],
        *,
        mapping: dict[str, str] | None = None,
        dry_run: bool = False,
        skip_bad_rows: bool = False,
        actor: Actor = SYSTEM,
        progress: Callable[[int], None] | None = None,
        max_reported: int = 1000,
    ) -> ImportReport:
        """Import a CSV file (UTF-8, with or without BOM; comma, semicolon or tab separated).

        ``mapping`` maps CSV column → field name (``-`` ignores a column); columns named
        after a field or its English or Russian label map themselves.
        """
        rt = self.crm.refresh().type(type_name)
        report = ImportReport(dry_run=dry_run)
        handle, close = self._open(source)
        try:
            reader = self._reader(handle)
            header = next(reader, None)
            if not header:
                raise ValidationError(
                    {"file": msg("is empty: the first line must name the columns")}
                )
            plan = self._plan(rt, header, mapping or {})

            def rows() -> Iterator[tuple[int, dict[str, Any]]]:
                columns = list(plan.items())
                for row in reader:
                    if not "".join(row).strip():
                        continue
                    values = {}
                    width = len(row)
                    for position, name in columns:
                        cell = row[position] if position < width else ""
                        if cell != "":
                            values[name] = unguard_formula(cell) if cell[0] == "'" else cell
                    yield reader.line_num, values
                    if progress is not None:
                        progress(1)

            stored_rows: list[tuple[int, dict[str, Any]]] = []

            def duplicates_of(line: int, record: dict[str, Any]) -> None:
                if len(report.duplicates) < max_reported:
                    stored_rows.append((line, record))
                    if len(stored_rows) == DUPLICATES_BATCH:
                        report_duplicates()

            def report_duplicates() -> None:
                found = self._duplicates(rt, [record for _line, record in stored_rows], actor)
                for (line, _record), hits in zip(stored_rows, found, strict=True):
                    if hits and len(report.duplicates) < max_reported:
                        report.duplicates.append((line, hits))
                stored_rows.clear()

            def bad_row(line: int, error: ValidationError) -> None:
                report.skipped += 1
                if len(report.errors) < max_reported:
                    report.errors.append((line, error.errors))

            try:
                with self.crm.transaction():
                    stored = self.crm.records.create_many(
                        type_name,
                        rows(),
                        actor=actor,
                        source="import",
                        keep_number=True,
                        on_error=bad_row,
                        on_stored=duplicates_of,
                    )
                    report_duplicates()
                    report.imported = len(stored)
                    if report.errors and not skip_bad_rows:
                        raise ImportFailed(
                            msg(
                                "{count} row(s) have errors; nothing was imported "
                                "(fix them, or use --skip-bad-rows to import the others)",
                                count=report.skipped,
                            ),
                            report.errors,
                        )
                    if dry_run:
                        raise _DryRun
            except _DryRun:
                pass
            except UnicodeDecodeError as exc:
                raise _not_utf8(source, exc) from None
            except csv.Error as exc:
                raise ValidationError(
                    {
                        "file": msg(
                            "line {line}: not valid CSV ({problem}); nothing was imported",
                            line=reader.line_num,
                            problem=str(exc),
                        )
                    }
                ) from None
            if report.imported >= ANALYZE_AFTER and not dry_run:
                self.crm.analyze()  # a big load changes what the best query plans are
            return report
        except UnicodeDecodeError as exc:
            raise _not_utf8(source, exc) from None
        finally:
            if close:
                handle.close()

    def _duplicates(
        self, rt: RecordType, records: list[dict[str, Any]], actor: Actor
    ) -> list[list[dict[str, Any]]]:
        """Possible duplicates of rows just stored: records that were there before each
        (earlier rows of the same file included), never the row itself or later ones."""
        found = self.crm.duplicates.of_many(rt.name, records, actor=actor)
        return [
            [hit for hit in hits if not (hit["type"] == rt.name and hit["id"] >= record["id"])]
            for record, hits in zip(records, found, strict=True)
        ]

    @staticmethod
    def _open(source: str | Path | IO[str]) -> tuple[IO[str], bool]:
        if isinstance(source, str | Path):
            return open(source, encoding="utf-8-sig", newline=""), True
        if isinstance(source, io.TextIOBase | io.StringIO):
            return source, False
        return io.TextIOWrapper(source, encoding="utf-8-sig", newline=""), False

    @staticmethod
    def _reader(handle: IO[str]):
        first = handle.readline()
        dialect: Any = csv.excel
        if first.count(";") > first.count(",") and first.count(";") >= first.count("\t"):
            dialect = _Semicolon
        elif first.count("\t") > first.count(","):
            dialect = csv.excel_tab
        return csv.reader(_prepend(first, handle), dialect)

    def _plan(self, rt: RecordType, header: list[str], mapping: dict[str, str]) -> dict[int, str]:
        """Which column feeds which field; refuses unknown columns and missing required ones."""
        by_label: dict[str, str] = {}
        for f in rt.fields:
            for key in (f.name, text(f.label, "en"), text(f.label, "ru")):
                if key:
                    by_label.setdefault(key.casefold(), f.name)
        by_label["tags"] = "tags"
        plan: dict[int, str] = {}
        unknown = []
        for position, column in enumerate(header):
            column = column.strip()
            target = mapping.get(column)
            if target == "-":
                continue
            if target is None:
                if column in IGNORED_ON_IMPORT:
                    continue
                target = by_label.get(column.casefold())
            elif target != "tags" and not rt.has_field(target):
                raise ValidationError(
                    {
                        "map": msg(
                            "{column}={field}: {field!r} is not a field of {type}",
                            column=column,
                            field=target,
                            type=rt.name,
                        )
                    }
                )
            if target is None:
                unknown.append(column)
                continue
            if target in plan.values():
                raise ValidationError(
                    {"file": msg("two columns feed the field {field!r}", field=target)}
                )
            plan[position] = target
        for column in mapping:
            if column not in [c.strip() for c in header]:
                raise ValidationError(
                    {"map": msg("the file has no column {column!r}", column=column)}
                )
        if unknown:
            raise ValidationError(
                {
                    "file": msg(
                        "unknown column(s): {columns}; map them with --map COLUMN=FIELD (or "
                        "COLUMN=- to ignore them)",
                        columns=", ".join(unknown),
                    )
                }
            )
        covered = set(plan.values())
        missing = [
            f"{f.name} ({text(f.label, 'en')})"
            for f in rt.fields
            if f.required and f.default is None and not f.hidden and f.name not in covered
        ]
        if missing:
            raise ValidationError(
                {"file": msg("missing required column(s): {columns}", columns=", ".join(missing))}
            )
        return plan


def _not_utf8(source: str | Path | IO[str], exc: UnicodeDecodeError) -> ValidationError:
    """The refusal of a file in another encoding. Text is decoded in blocks, so the error
    does not know its line; for a file on disk the first line that is not UTF-8 is found."""
    where = msg("byte 0x{byte:02x}", byte=exc.object[exc.start])
    if isinstance(source, str | Path):
        with open(source, "rb") as handle:
            for line, raw in enumerate(handle, start=1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as bad:
                    where = msg("line {line} has byte 0x{byte:02x}", line=line, byte=raw[bad.start])
                    break
    return ValidationError(
        {
            "file": msg(
                "is not UTF-8 text ({where}); save it as UTF-8 CSV and try again; nothing was "
                "imported",
                where=where,
            )
        }
    )


class _Semicolon(csv.excel):
    delimiter = ";"


def _prepend(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest
