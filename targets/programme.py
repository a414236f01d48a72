"""Load a programme file (see fixtures/ha-giang-2024.json) into the database, in place.

Everything is matched by its code (campaign by year, units and blocs by code, themes and
indicators by number, measures by code), so loading the same file twice changes nothing,
and loading an edited file updates what changed. A row is saved only when a value differs,
so the change history records real edits, not reloads. Last year's values are only written
when the file gives them: a null in the file never erases what an admin entered.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from targets import versions
from targets.models import (
    Campaign,
    EmulationBloc,
    Indicator,
    Measure,
    MeasureAssignment,
    ScoringScheme,
    Task,
    Theme,
    Unit,
)
from targets.validators import code_format, shows_nothing

SUPPORTED_FORMAT = 1
# The source named on last year's values that a programme file gives without naming one.
PROGRAMME_FILE_SOURCE = "Programme file"


class ProgrammeError(Exception):
    """The file cannot be loaded; `errors` lists every problem found, each a full sentence."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class LoadResult:
    campaign: Campaign | None = None
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    # The rows this load created: completing one (a unit's parent, a task's units, given after it)
    # is part of creating it, not an update of something that was there before.
    new: set = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def touched(self, obj) -> None:
        """`obj` was changed: an update, unless this load created it."""
        if (obj._meta.model_name, obj.pk) not in self.new:
            self.updated[obj._meta.model_name] += 1


def read_programme(path: str | Path) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProgrammeError([f"{path} is not a valid UTF-8 JSON programme file: {exc}"]) from None
    except RecursionError:  # lists or objects nested deeper than Python reads: no programme is
        raise ProgrammeError([f"{path} is not a valid JSON programme file: it is nested too deep"]) from None


def _decimal(value, where: str, errors: list[str]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        errors.append(f"{where}: {value!r} is not a number")
        return None
    if not result.is_finite():
        errors.append(f"{where}: {value!r} is not a finite number")
        return None
    return result


def _check_document(campaign: dict) -> list[str]:
    """The programme's number and date of issue, as the admin's form takes them (Campaign.clean):
    both or neither (a programme set up ahead is not issued yet), a number that shows a character
    (not one of invisible marks pasted from another program), a date that is one."""
    number, issued_on = campaign.get("number") or "", campaign.get("issued_on")
    errors = []
    if not isinstance(number, str) or (number and shows_nothing(number)):
        errors.append(f"Programme number {number!r}: it shows no character; leave it out until the programme is issued")
        number = ""
    if issued_on:
        try:
            datetime.date.fromisoformat(str(issued_on))
        except ValueError:
            errors.append(f"Programme date of issue {issued_on!r}: a date is written YYYY-MM-DD")
    if bool(number.strip()) != bool(issued_on) and not errors:
        errors.append("The programme's number and its date of issue (issued_on) go together: give both, or neither")
    return errors


def _check(data: dict) -> list[str]:
    """Structural checks done before anything is written, so a bad file changes nothing."""
    errors: list[str] = []
    if not isinstance(data, dict) or data.get("format") != SUPPORTED_FORMAT:
        return [f"Unsupported programme file: expected \"format\": {SUPPORTED_FORMAT}"]
    for key in ("campaign", "units", "themes"):
        if key not in data:
            errors.append(f"Missing section {key!r}")
    if errors:
        return errors
    errors += _check_document(data["campaign"])
    unit_codes = [u.get("code") for u in data["units"]]
    bloc_codes = {b.get("code") for b in data.get("blocs", [])}
    if len({str(code).lower() for code in unit_codes}) != len(unit_codes):
        errors.append("Unit codes are not unique (in any letter case)")
    for unit in data["units"]:
        try:
            code_format(str(unit.get("code") or ""))
        except ValidationError:
            errors.append(f"Unit {unit.get('code')!r}: a code is letters without accents, digits, '.', '-' or '_' (it is in the site's addresses)")
        if unit.get("kind") not in Unit.Kind.values:
            errors.append(f"Unit {unit.get('code')}: kind must be one of {Unit.Kind.values}")
        if unit.get("bloc") and unit["bloc"] not in bloc_codes:
            errors.append(f"Unit {unit.get('code')}: unknown bloc {unit['bloc']!r}")
    known_units = set(unit_codes)
    codes: list[str] = []
    numbers: list[int] = []
    for theme in data["themes"]:
        for task in theme.get("tasks", []):
            for code in task.get("responsible_units", []):
                if code not in known_units:
                    errors.append(f"Task {theme.get('number')}.{task.get('number')}: unknown unit {code!r}")
        for indicator in theme.get("indicators", []):
            numbers.append(indicator.get("number"))
            if indicator.get("lead_unit") and indicator["lead_unit"] not in known_units:
                errors.append(f"Indicator {indicator.get('number')}: unknown unit {indicator['lead_unit']!r}")
            for m in indicator.get("measures", []):
                where = f"Measure {m.get('code')}"
                codes.append(m.get("code"))
                if m.get("comparison") not in Measure.Comparison.values:
                    errors.append(f"{where}: comparison must be one of {Measure.Comparison.values}")
                if m.get("aggregation") not in Measure.Aggregation.values:
                    errors.append(f"{where}: aggregation must be one of {Measure.Aggregation.values}")
                if m.get("value_kind") not in Measure.ValueKind.values:
                    errors.append(f"{where}: value_kind must be one of {Measure.ValueKind.values}")
                if m.get("frequency", "quarterly") not in Measure.Frequency.values:
                    errors.append(f"{where}: frequency must be one of {Measure.Frequency.values}")
                if m.get("publication_month") not in (None, *range(1, 13)):
                    errors.append(f"{where}: publication_month must be a month 1–12")
                target = _decimal(m.get("target"), f"{where} target", errors)
                if target is None and m.get("comparison") in ("gte", "gt", "lte"):
                    errors.append(f"{where}: a {m.get('comparison')} measure needs a target")
                for key in ("previous_year", "display_divisor"):
                    _decimal(m.get(key), f"{where} {key}", errors)
                for q, value in (m.get("same_period") or {}).items():
                    if str(q) not in {"1", "2", "3", "4"}:
                        errors.append(f"{where}: same_period keys must be quarters 1–4, not {q!r}")
                    _decimal(value, f"{where} same_period[{q}]", errors)
                for code in [m.get("lead_unit"), *m.get("breakdown_units", [])]:
                    if code and code not in known_units:
                        errors.append(f"{where}: unknown unit {code!r}")
                if not m.get("lead_unit"):
                    errors.append(f"{where}: lead_unit is required")
    if len({str(code).lower() for code in codes}) != len(codes):
        errors.append("Measure codes are not unique (in any letter case)")
    errors += _check_scoring(data.get("scoring"), set(codes))
    if len(numbers) != len(set(numbers)):
        errors.append("Indicator numbers are not unique")
    return errors


def _upsert(model, result: LoadResult, lookup: dict, values: dict):
    """Create the row, or update only the fields that differ (no save when nothing does)."""
    obj = model.objects.filter(**lookup).first()
    label = model._meta.model_name
    if obj is None:
        result.created[label] += 1
        obj = model.objects.create(**lookup, **values)
        result.new.add((label, obj.pk))
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        result.touched(obj)
    return obj


@transaction.atomic
def load_programme(data: dict) -> LoadResult:
    errors = _check(data)
    if errors:
        raise ProgrammeError(errors)
    result = LoadResult()
    c = data["campaign"]
    _refuse_if_closed(c["year"])
    result.campaign = campaign = _upsert(Campaign, result, {"year": c["year"]}, {
        "province": c["province"],
        "province_code": c.get("province_code", ""),
        "number": c.get("number") or "",  # not issued yet: none (Campaign.document_words)
        "issued_on": datetime.date.fromisoformat(c["issued_on"]) if c.get("issued_on") else None,  # with its number
        "issuing_body": c["issuing_body"],
        "title": c["title"],
        "slogan": c.get("slogan", ""),
        "plan_start": c["plan_start"],
        "plan_end": c["plan_end"],
        "source": data.get("source", ""),
    })
    blocs = {
        b["code"]: _upsert(EmulationBloc, result, {"code": b["code"]}, {"name": b["name"], "name_en": b.get("name_en", "")})
        for b in data.get("blocs", [])
    }
    units = {}
    for u in data["units"]:  # the province's units, every year's: renamed from an open year's file (_refuse_if_closed)
        units[u["code"]] = _upsert(Unit, result, {"code": u["code"]}, {
            "name": u["name"],
            "name_en": u.get("name_en", ""),
            "short_name": u.get("short_name", ""),
            "kind": u["kind"],
            "bloc": blocs.get(u.get("bloc")),
        })
    for u in data["units"]:  # parents may come later in the file
        if u.get("parent"):
            _upsert(Unit, result, {"code": u["code"]}, {"parent": units[u["parent"]]})

    order = 0
    for t in data["themes"]:
        theme = _upsert(Theme, result, {"campaign": campaign, "number": t["number"]}, {
            "ordinal": t.get("ordinal", ""),
            "title": t["title"],
            "title_en": t.get("title_en", ""),
            "description": t.get("description", ""),
        })
        for task in t.get("tasks", []):
            values = {"title": task["title"], "title_en": task.get("title_en", "")}
            if "active" in task:  # a task an admin retired stays retired unless the file says otherwise
                values["is_active"] = bool(task["active"])
            row = _upsert(Task, result, {"theme": theme, "number": task["number"]}, values)
            _responsible(row, task.get("responsible_units", []), units, result)
        for i in t.get("indicators", []):
            indicator = _upsert(Indicator, result, {"campaign": campaign, "number": i["number"]}, {
                "theme": theme,
                "name": i["name"],
                "name_en": i.get("name_en", ""),
                "official_text": i.get("official_text", ""),
                "lead_unit": units.get(i.get("lead_unit")),
            })
            for m in i.get("measures", []):
                order += 1
                measure = _upsert(Measure, result, {"campaign": campaign, "code": m["code"]}, _measure_values(m, indicator, order))
                _assign(measure, m, units, result)
    _load_scoring(data.get("scoring"), campaign, result)
    return result


def _refuse_if_closed(year) -> None:
    """A closed year's programme (Campaign.is_closed) is kept as it was closed: its final ranking
    and its signed report stand on its themes, tasks, indicators, measures and targets, which the
    admin no longer changes either (targets.admin.KeptOnceClosed). So its file is refused whole,
    nothing written. Units and blocs are the province's, not a year's: a file for an open year
    may still rename them (a unit's name is what it is called now, on every year's pages).

    Decided under the locks closing the year takes (ranking.close_year), in its order: the data
    version, which every write takes anyway, then the programme's row; a load and a closing cannot
    both pass."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {versions.TABLE} FOR UPDATE")
    closed = Campaign.objects.select_for_update().filter(year=year).first()
    if closed is not None and (problem := closed.closed_problem()):
        raise ProgrammeError([problem])


def _check_scoring(scoring_data, measure_codes: set[str]) -> list[str]:
    """The "scoring" section (optional): the campaign's default scoring scheme."""
    if scoring_data is None:
        return []
    from targets.scoring import Scheme, SchemeError

    try:
        Scheme.from_dict(scoring_data, measure_codes=measure_codes)
    except SchemeError as problem:
        return [f"Scoring scheme: {error}" for error in problem.errors]
    return []


def _load_scoring(scoring_data, campaign: Campaign, result: LoadResult) -> None:
    # The file gives the default scheme: written when the campaign has none, never over the
    # scheme an admin has since edited (the bloc adopts its own table at the start of the year).
    if scoring_data is None or ScoringScheme.objects.filter(campaign=campaign).exists():
        return
    ScoringScheme.objects.create(campaign=campaign, data=scoring_data)
    result.created["scoringscheme"] += 1


def _measure_values(m: dict, indicator: Indicator, order: int) -> dict:
    values = {
        "indicator": indicator,
        "order": order,
        "name": m["name"],
        "name_en": m.get("name_en", ""),
        "unit": m.get("unit", ""),
        "unit_en": m.get("unit_en", ""),
        "value_kind": m["value_kind"],
        "target": _decimal(m.get("target"), "", []),
        "comparison": m["comparison"],
        "aggregation": m["aggregation"],
        "decimal_places": m.get("decimal_places", 0),
        "display_divisor": _decimal(m.get("display_divisor"), "", []) or Decimal(1),
        "display_unit": m.get("display_unit", ""),
        "display_unit_en": m.get("display_unit_en", ""),
        "seasonal": bool(m.get("seasonal", False)),
        "frequency": m.get("frequency", Measure.Frequency.QUARTERLY),
        "publication_month": m.get("publication_month"),
    }
    # Baselines are written only when given (see the module docstring).
    baselines = {"previous_year": _decimal(m.get("previous_year"), "", [])}
    for q, value in (m.get("same_period") or {}).items():
        baselines[f"same_period_q{q}"] = _decimal(value, "", [])
    given = {k: v for k, v in baselines.items() if v is not None}
    values.update(given)
    # Values from the file are the file's, named so: under no source (or the system's) they would be
    # taken for last year's approved figures and replaced by them (services.sync_last_year).
    if m.get("baseline_source") or given:
        values["baseline_source"] = m.get("baseline_source") or PROGRAMME_FILE_SOURCE
    return values


def _responsible(task: Task, codes: list[str], units: dict, result: LoadResult) -> None:
    wanted = {units[code].pk for code in codes}
    if set(task.responsible_units.values_list("pk", flat=True)) != wanted:
        task.responsible_units.set(wanted)
        result.touched(task)


def _assign(measure: Measure, m: dict, units: dict, result: LoadResult) -> None:
    wanted = {m["lead_unit"]: MeasureAssignment.Role.LEAD}
    for code in m.get("breakdown_units", []):
        wanted.setdefault(code, MeasureAssignment.Role.BREAKDOWN)
    current = {a.unit.code: a for a in measure.assignments.select_related("unit")}
    for code, assignment in current.items():
        if code not in wanted:
            assignment.delete()
            result.updated["measureassignment"] += 1
    # Demote a former lead first so the one-lead constraint holds at every step.
    for code, assignment in current.items():
        if code in wanted and assignment.role != wanted[code] and wanted[code] == MeasureAssignment.Role.BREAKDOWN:
            _upsert(MeasureAssignment, result, {"measure": measure, "unit": units[code]}, {"role": wanted[code]})
    for code, role in wanted.items():
        _upsert(MeasureAssignment, result, {"measure": measure, "unit": units[code]}, {"role": role})
