"""Which column of a team's sheet means which lead field, and what its cells mean.

The tables live in config/import_mapping.yaml (the seed registers' Chinese headers and
the lead exports of HubSpot, Salesforce and Odoo); `--map FILE` adds to them or overrides
them. A `SheetPlan` is the mapping of one file's header row; it turns each row into a
record for intake, keeping the row as the file has it for the quarantine."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from leadflow.config_files import read_yaml, validate
from leadflow.errors import InvalidInput
from leadflow.intake.channels import MAPPING_FILE, ChannelWords, put_detail
from leadflow.intake.history_rows import ACTIVITY_FIELDS, HISTORY_FIELDS, STAMPS
from leadflow.phrases import N_
from leadflow.rules.config import ConfigError
from leadflow.rules.privacy import Refused
from leadflow.rules.vocab import Channel, CompanySize, ContactRole, CustomerType, State
from leadflow.schemas import LEAD_FIELDS
from leadflow.settings import DEFAULT_CONFIG_DIR, get_settings
from leadflow.sheets import values as cells

_VOCABS = {
    "source": Channel,
    "company_size": CompanySize,
    "contact_role": ContactRole,
    "customer_type": CustomerType,
    "state": State,  # a CRM's stage names, read in a history file
}
_AMOUNTS = ("budget_min", "budget_max", "annual_revenue", "contract_value")
_MOMENTS = ("entered_at", "at", *STAMPS)
_NOTES = ("need", "internal_notes", "decision_chain_notes")  # may come as HTML (Odoo)
_CONTACT = ("phone", "email")
REFUSED = "refused: personal data (not stored)"  # a column's use


class MappingFile(BaseModel):
    """The shape of import_mapping.yaml and of a team's --map file (any subset)."""

    model_config = ConfigDict(extra="forbid")

    headers: dict[str, list[str]] = {}
    # A CRM history's columns (`leads import --history`) and its follow-up log's.
    history_headers: dict[str, list[str]] = {}
    activity_headers: dict[str, list[str]] = {}
    combine: dict[str, list[list[str]]] = {}
    not_imported: list[str] = []
    blank: list[str] = []
    footer_lines: list[str] = []
    source_separators: list[str] = []
    list_separators: list[str] = []
    values: dict[str, dict[str, str]] = {}


@dataclass(frozen=True)
class ImportMapping:
    """Header aliases and value maps, keyed by their normal form (sheet_values.normal);
    the channel words, as the API and the CLI read them too."""

    headers: dict[str, str]
    combine: dict[str, list[list[str]]]
    not_imported: frozenset[str]
    blank: frozenset[str]
    footers: tuple[str, ...]  # the beginnings of a CRM's footer lines
    list_separators: tuple[str, ...]
    values: dict[str, dict[str, str]]  # company size and contact role
    channels: ChannelWords
    history_headers: dict[str, str] = field(default_factory=dict)
    activity_headers: dict[str, str] = field(default_factory=dict)

    @cached_property
    def longest_blank(self) -> int:
        """The length of the longest blank marker."""
        return max((len(b) for b in self.blank), default=0)

    def target(self, header: str) -> str | None:
        """The field a column name means, or None."""
        key = cells.normal(header)
        if key in self.headers:
            return self.headers[key]
        return key if key in LEAD_FIELDS else None


def _read(path: Path) -> MappingFile:
    return validate(MappingFile, read_yaml(path), [(str(path), {})])


def _check(source: Path, spec: MappingFile) -> None:
    for names, known, what in (
        ([*spec.headers, *spec.combine], LEAD_FIELDS, "a lead field"),
        (list(spec.history_headers), HISTORY_FIELDS, "a history field"),
        (list(spec.activity_headers), ACTIVITY_FIELDS, "an activity field"),
    ):
        for name in names:
            if name not in known:
                raise ConfigError(
                    f"{source}: {name!r} is not {what}; known: {', '.join(sorted(known))}"
                )
    for name, table in spec.values.items():
        vocab = _VOCABS.get(name)
        if vocab is None:
            raise ConfigError(
                f"{source}: values: {name!r} has no value map; one of {', '.join(_VOCABS)}"
            )
        allowed = {v.value for v in vocab}
        for value, meaning in table.items():
            if meaning not in allowed:
                raise ConfigError(
                    f"{source}: values.{name}: {value!r} -> {meaning!r} is not "
                    f"one of {', '.join(sorted(allowed))}"
                )


def _aliases(
    source: Path, spec: MappingFile, table: dict[str, list[str]] | None = None
) -> dict[str, str]:
    """normal(header) -> field (of `table`, default the lead's headers), refusing a name
    given to two fields in one file."""
    found: dict[str, str] = {}
    for target, names in (spec.headers if table is None else table).items():
        for name in names:
            key = cells.normal(name)
            if found.get(key, target) != target:
                raise ConfigError(
                    f"{source}: header {name!r} is given to both {found[key]} and {target}"
                )
            found[key] = target
    return found


def load_mapping(extra: Path | None = None) -> ImportMapping:
    """The built-in tables, with the team's import_mapping.yaml (in LEADFLOW_CONFIG_DIR)
    and then a --map file over them."""
    mapping = _load_default()
    team_dir = get_settings().config_dir
    if team_dir is not None and (team_dir / MAPPING_FILE).is_file():
        mapping = _overlay(mapping, team_dir / MAPPING_FILE)
    if extra is None:
        return mapping
    if not extra.is_file():
        raise InvalidInput(N_("--map {extra}: no such file", extra=extra))
    return _overlay(mapping, extra)


def _overlay(base: ImportMapping, extra: Path) -> ImportMapping:
    """`base` with the entries of the mapping file `extra` added or overriding."""
    spec = _read(extra)
    _check(extra, spec)
    headers = {**base.headers, **_aliases(extra, spec)}
    added = frozenset(cells.normal(n) for n in spec.not_imported)
    values = {k: dict(v) for k, v in base.values.items()}
    for name, table in _value_maps(spec).items():
        values.setdefault(name, {}).update({cells.normal(k): v for k, v in table.items()})
    combine = {k: list(v) for k, v in base.combine.items()}
    for name, groups in spec.combine.items():
        combine[name] = [[cells.normal(h) for h in g] for g in groups] + combine.get(name, [])
    return ImportMapping(
        headers={k: v for k, v in headers.items() if k not in added},
        combine=combine,
        not_imported=base.not_imported | added,
        blank=base.blank | {cells.normal(b) for b in spec.blank},
        footers=base.footers + tuple(cells.normal(f) for f in spec.footer_lines),
        list_separators=tuple(spec.list_separators) or base.list_separators,
        values=values,
        channels=base.channels.extended(spec.values.get("source", {}), spec.source_separators),
        history_headers={**base.history_headers, **_aliases(extra, spec, spec.history_headers)},
        activity_headers={**base.activity_headers, **_aliases(extra, spec, spec.activity_headers)},
    )


@lru_cache(maxsize=1)
def _load_default() -> ImportMapping:
    path = DEFAULT_CONFIG_DIR / MAPPING_FILE
    spec = _read(path)
    _check(path, spec)
    return ImportMapping(
        headers=_aliases(path, spec),
        combine={
            k: [[cells.normal(h) for h in g] for g in groups] for k, groups in spec.combine.items()
        },
        not_imported=frozenset(cells.normal(n) for n in spec.not_imported),
        blank=frozenset(cells.normal(b) for b in spec.blank),
        footers=tuple(cells.normal(f) for f in spec.footer_lines),
        list_separators=tuple(spec.list_separators),
        values={
            k: {cells.normal(v): m for v, m in t.items()} for k, t in _value_maps(spec).items()
        },
        channels=ChannelWords.of(spec.values.get("source", {}), spec.source_separators),
        history_headers={
            **{f: f for f in HISTORY_FIELDS},
            **_aliases(path, spec, spec.history_headers),
        },
        activity_headers={
            **{f: f for f in ACTIVITY_FIELDS},
            **_aliases(path, spec, spec.activity_headers),
        },
    )


def for_history(mapping: ImportMapping) -> ImportMapping:
    """How a CRM history file is read: the lead's columns and its past's (owner, state,
    dates, value, loss reason), which an ordinary import leaves out."""
    past = mapping.history_headers
    return replace(
        mapping,
        headers={**mapping.headers, **past},
        not_imported=mapping.not_imported - past.keys(),
    )


def for_activities(mapping: ImportMapping) -> ImportMapping:
    """How a CRM's follow-up log is read: its own columns only."""
    return replace(mapping, headers=dict(mapping.activity_headers), combine={})


def _value_maps(spec: MappingFile) -> dict[str, dict[str, str]]:
    """The value maps but the channel words (ChannelWords reads those)."""
    return {k: v for k, v in spec.values.items() if k != "source"}


class SheetRow(dict[str, Any]):
    """A record read from a sheet; `verbatim` is the row under its original headers (what
    the quarantine keeps), `problem` says why the row could not be read whole."""

    verbatim: dict[str, Any]
    problem: str | None = None


@dataclass
class Column:
    """One column of the header row and what it maps to."""

    index: int
    header: str
    target: str | None  # a lead field, or None
    use: str  # "field", "part of <field>", "not imported", REFUSED, "unmapped"


@dataclass
class SheetPlan:
    """The mapping of one file's header row."""

    columns: list[Column]
    mapping: ImportMapping
    parts: dict[str, list[list[int]]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # the headers, unnamed ones numbered
    fields: list[tuple[int, str]] = field(default_factory=list)  # column index, target

    @classmethod
    def of(cls, headers: list[str], mapping: ImportMapping, refused: Refused) -> SheetPlan:
        """Map each header; name the columns that mean nothing known, and leave out those
        the product refuses as personal data (rule book: minimum necessary data)."""
        plan = cls([], mapping)
        part_of = {h: name for name, groups in mapping.combine.items() for g in groups for h in g}
        for i, header in enumerate(headers):
            key, target = cells.normal(header), mapping.target(header)
            if refused.kind(header) is not None:
                target, use = None, REFUSED
            elif target is not None:
                use = "field"
            elif key in part_of:
                target, use = part_of[key], f"part of {part_of[key]}"
            elif key in mapping.not_imported:
                use = "not imported"
            else:
                use = "unmapped" if key else "not imported"  # an unnamed empty column
            plan.columns.append(Column(i, header, target, use))
        plan.names = [c.header or f"(column {c.index + 1})" for c in plan.columns]
        plan.fields = [(c.index, str(c.target)) for c in plan.columns if c.use == "field"]
        index = {cells.normal(c.header): c.index for c in plan.columns}
        for name, groups in mapping.combine.items():
            plan.parts[name] = [[index[h] for h in g] for g in groups if all(h in index for h in g)]
        return plan

    @property
    def unknown(self) -> list[str]:
        """Columns that map to nothing."""
        return [c.header for c in self.columns if c.use == "unmapped"]

    def known_count(self) -> int:
        """How many columns map to a field (to tell a header row from a title row)."""
        return sum(1 for c in self.columns if c.target is not None)

    def header_of(self, name: str) -> str:
        """The column a field came from, for messages."""
        return next((c.header for c in self.columns if c.target == name and c.use == "field"), name)

    def is_footer(self, values: list[Any]) -> bool:
        """A CRM's line below the data ("Grand Totals (22 records)", "Confidential
        Information - ..."): its first filled cell begins with a footer line of the mapping,
        and it fills no phone or email column, without which no row is a lead anyway."""
        first = next((v for v in values if self._filled(v)), None)
        if first is None or not self.mapping.footers:
            return False
        start = cells.normal(cells.as_text(first))
        if not start.startswith(self.mapping.footers):
            return False
        return not any(
            i < len(values) and self._filled(values[i]) for i, t in self.fields if t in _CONTACT
        )

    def describe(self) -> list[dict[str, str]]:
        """The mapping as rows: column, what it maps to."""
        return [
            {"column": c.header, "maps to": c.target or "-", "use": c.use} for c in self.columns
        ]

    def record(self, values: list[Any], problem: str | None = None) -> SheetRow:
        """One row as a record for intake (first non-empty column wins for a field)."""
        row = SheetRow()
        filled = [self._filled(v) for v in values]
        names = self.names
        row.verbatim = {
            names[i]: cells.as_text(values[i])
            for i in range(min(len(names), len(values)))
            if filled[i]
        }
        extra = [
            cells.as_text(v)
            for v, f in zip(values[len(names) :], filled[len(names) :], strict=True)
            if f
        ]
        if extra:
            row.verbatim["(extra cells)"] = extra
            row["(extra cells)"] = extra
        row.problem = problem
        for index, target in self.fields:
            if index < len(values) and filled[index] and target not in row:
                self._put(row, target, values[index])
        for name, groups in self.parts.items():
            for group in groups:
                parts = [cells.as_text(values[i]) for i in group if i < len(values) and filled[i]]
                if parts and name not in row:
                    row[name] = cells.join_names(parts)
        if "source" in row and not self.mapping.channels.read_into(row):
            # A CRM's own source (Odoo's Newsletter, a campaign's name) that no channel word
            # names: the lead is kept as `other`, the word as the detail, for a person to see.
            put_detail(row, row["source"])
            row["source"] = Channel.other.value
        return row

    def _filled(self, value: Any) -> bool:
        if value is None:
            return False
        if not isinstance(value, str):
            return True
        text = value.strip()
        # Only short text can be a blank marker ("-", "无", "(restricted)"): long cells are
        # not folded to their normal form, which was a third of reading a row.
        return text != "" and (
            len(text) > self.mapping.longest_blank or cells.normal(text) not in self.mapping.blank
        )

    def _put(self, row: SheetRow, target: str, value: Any) -> None:
        table = self.mapping.values.get(target)
        if target in ("budget", "timeline"):  # read as written at intake (rules.written)
            row[target] = cells.date(value) if target == "timeline" else cells.number(value)
        elif target in _AMOUNTS:
            row[target] = cells.amount(value)
        elif target == "employees":
            row[target] = cells.whole_number(value)
        elif target in _MOMENTS:
            row[target] = cells.moment(value)
        elif target == "to_confirm":
            row[target] = cells.notes(value)
        elif target in _NOTES:
            row[target] = cells.html_text(cells.as_text(value))
        elif target == "tags":
            row[target] = cells.labels(value, list(self.mapping.list_separators))
        elif table is not None:
            text = cells.as_text(value)
            row[target] = table.get(cells.normal(text), text)
        else:
            row[target] = cells.as_text(value)
