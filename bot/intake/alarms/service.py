"""Sensor devices, their readings and the cases they make: the core of sensor alarms.

A reading is stored first and committed; only then is its device evaluated, in a new
transaction. With many workers that order is what makes the rule exact: of two readings
committed at once, the one committed last counts the other too, so "3 times in 10 minutes"
is never missed because each worker saw only its own reading.

* No open case: the exceeding readings in the window ``(t - minutes, t]`` (after the last
  closed case's last exceedance) are counted; ``times`` of them open a case. The INSERT
  meets a partial unique index (one open case per device): a worker that loses the race
  treats the winner's case as its own and only updates it. The winner files the ticket,
  idempotent on the case id, so a crash between the two is repaired by :meth:`sweep`.
* Open case: exceedances are added to it with one atomic UPDATE (count, last time); a note
  goes on the ticket at most every ``note_every_minutes``. A normal reading at least
  ``clear_after_minutes`` after the last exceedance closes the case (conditional UPDATE:
  exactly one closer) and resolves the ticket unless staff closed it already.
* Times are the readings' own (the device's clock), so a batch sent late is judged as it
  happened. A device that goes silent is not "normal": :meth:`sweep` notes it on the
  ticket once and leaves the case open for staff (see ``silent_after_minutes``).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import and_, case, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import AddressError, BadInput, InvalidTransition, TicketNotFound
from bot.intake.alarms import texts
from bot.intake.alarms.models import SensorCase, SensorDevice, SensorReading
from bot.intake.alarms.rules import KINDS, AlarmRules, Rule
from bot.intake.models import IntakeSource
from bot.tickets._ops import INTAKE_CHANNEL
from bot.tickets.clock import Clock, local_text
from bot.tickets.service import TicketService
from bot.tickets.status import is_open
from bot.tickets.views import TicketDraft

log = logging.getLogger(__name__)

_DEVICE_ID = re.compile(r"^\S{1,64}$")
#: A device clock may run this far ahead of ours before its readings are refused.
FUTURE_SLACK = timedelta(minutes=5)
#: How many readings a ticket description lists before "等 N 条".
_LISTED_READINGS = 10


@dataclass(frozen=True, slots=True)
class DeviceView:
    source: str
    device_id: str
    kind: str
    building_code: str | None
    landmark: str | None
    lat: float | None
    lng: float | None
    label: str
    enabled: bool
    place: str

    @classmethod
    def of(cls, row: SensorDevice, place: str = "") -> DeviceView:
        return cls(
            row.source, row.device_id, row.kind, row.building_code, row.landmark, row.lat,
            row.lng, row.label, row.enabled, place or row.building_code or row.landmark or "",
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReadingIn:
    """One reading as checked by the web layer; ``at`` is naive UTC."""

    device_id: str
    at: datetime
    value: float
    unit: str | None = None
    reading_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReadingOutcome:
    """``accepted``, ``duplicate`` (its reading id was seen) or ``rejected`` (code, message)."""

    status: str
    code: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class CaseView:
    id: int
    device_id: str
    status: str
    ticket_number: str | None
    exceed_count: int
    first_exceed_at: datetime
    last_exceed_at: datetime
    closed_at: datetime | None
    closed_reason: str | None


@dataclass
class IngestReport:
    outcomes: list[ReadingOutcome]
    opened: list[CaseView] = field(default_factory=list)
    closed: list[CaseView] = field(default_factory=list)


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    bad_rows: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Accepted:
    device: SensorDevice
    rule: Rule
    at: datetime
    value: float
    exceeded: bool


def _reject(code: str, **fields: object) -> ReadingOutcome:
    return ReadingOutcome("rejected", code, texts.ERRORS[code].format(**fields))


def _insert_for(session: AsyncSession):  # type: ignore[no-untyped-def]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


class AlarmService:
    """Registers devices, takes readings, opens and closes cases. Safe to share across tasks
    and across workers (the database arbitrates)."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tickets: TicketService,
        rules: AlarmRules,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.tickets = tickets
        self.rules = rules
        self.clock = clock or tickets.clock

    # --- devices ------------------------------------------------------------------------

    def _check_device(
        self,
        device_id: str,
        kind: str,
        building_code: str | None,
        landmark: str | None,
        lat: float | None,
        lng: float | None,
    ) -> str:
        """The device's place as staff read it; raises BadInput with a Chinese message."""
        errors = texts.DEVICE_ERRORS
        if not _DEVICE_ID.match(device_id or ""):
            raise BadInput(errors["bad_device_id"], code="bad_device_id")
        if kind not in KINDS or self.rules.rule(kind) is None:
            raise BadInput(errors["bad_kind"], code="bad_kind")
        point = lat is not None or lng is not None
        if building_code and (point or landmark):
            raise BadInput(errors["both_places"], code="both_places")
        if not building_code and not (landmark and point):
            raise BadInput(errors["no_place"], code="no_place")
        if point and not (
            lat is not None and lng is not None and math.isfinite(lat) and math.isfinite(lng)
            and -90 <= lat <= 90 and -180 <= lng <= 180
        ):  # fmt: skip
            raise BadInput(errors["bad_point"], code="bad_point")
        try:
            placement = self.tickets.router.place(
                building_code=building_code or None, landmark=landmark, lat=lat, lng=lng
            )
        except AddressError as exc:
            if building_code:
                message = errors["unknown_building"].format(code=building_code)
                raise BadInput(message, code="unknown_building") from None
            raise BadInput(errors["outside_area"], code="outside_area") from exc
        return placement.address_text

    async def _check_source(self, session: AsyncSession, source: str) -> None:
        row = await session.get(IntakeSource, source)
        if row is None or row.kind != "alarms":
            message = texts.DEVICE_ERRORS["unknown_source"].format(source=source)
            raise BadInput(message, code="unknown_source")

    async def add_device(
        self,
        source: str,
        device_id: str,
        kind: str,
        *,
        building_code: str | None = None,
        landmark: str | None = None,
        lat: float | None = None,
        lng: float | None = None,
        label: str = "",
    ) -> DeviceView:
        """Register a device (or re-bind one already registered) of an ``alarms`` source.

        Raises:
            BadInput: unknown source, kind or building, a point outside every grid, ...
        """
        report = await self.import_devices(
            source,
            [dict(device_id=device_id, kind=kind, building_code=building_code,
                  landmark=landmark, lat=lat, lng=lng, label=label)],
        )  # fmt: skip
        if report.bad_rows:
            raise BadInput(report.bad_rows[0][1], code="bad_device")
        device = await self.device(source, device_id)
        assert device is not None
        return device

    async def import_devices(
        self, source: str, rows: Sequence[dict[str, object]], *, first_line: int = 1
    ) -> ImportReport:
        """Add or update devices; all or nothing. ``bad_rows`` are (line, reason)."""
        report = ImportReport()
        checked: list[dict[str, object]] = []
        for offset, row in enumerate(rows):
            try:
                checked.append(self._device_row(row))
            except BadInput as exc:
                report.bad_rows.append((first_line + offset, str(exc)))
        async with self.session_factory() as session:
            try:
                await self._check_source(session, source)
            except BadInput as exc:
                report.bad_rows.insert(0, (0, str(exc)))
            if report.bad_rows:
                return report
            for values in checked:
                existing = (
                    await session.exec(
                        select(SensorDevice).where(
                            SensorDevice.source == source,
                            SensorDevice.device_id == values["device_id"],
                        )
                    )
                ).first()
                if existing is None:
                    session.add(SensorDevice(source=source, **values))
                    report.added += 1
                else:
                    for name, value in values.items():
                        setattr(existing, name, value)
                    existing.enabled = True
                    session.add(existing)
                    report.updated += 1
            await session.commit()
        return report

    def _device_row(self, row: dict[str, object]) -> dict[str, object]:
        def text(name: str, limit: int) -> str | None:
            value = row.get(name)
            if value is None:
                return None
            value = str(value).strip()
            return value[:limit] or None

        def number(name: str) -> float | None:
            value = row.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                return None
            try:
                return float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise BadInput(texts.DEVICE_ERRORS["bad_point"], code="bad_point") from None

        device_id = text("device_id", 200) or ""
        kind = text("kind", 32) or ""
        building_code = text("building_code", 64)
        landmark = text("landmark", 128)
        lat, lng = number("lat"), number("lng")
        self._check_device(device_id, kind, building_code, landmark, lat, lng)
        return {
            "device_id": device_id,
            "kind": kind,
            "building_code": building_code,
            "landmark": None if building_code else landmark,
            "lat": None if building_code else lat,
            "lng": None if building_code else lng,
            "label": text("label", 64) or "",
        }

    async def import_file(self, source: str, path: Path) -> ImportReport:
        """Devices from a CSV (UTF-8 or GB18030, header ``device_id,kind,building_code,
        landmark,lat,lng,label``) or a YAML list of the same keys."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            report = ImportReport()
            report.bad_rows.append((0, texts.DEVICE_ERRORS["bad_file"].format(reason=exc)))
            return report
        if path.suffix.lower() in {".yml", ".yaml"}:
            return await self._import_yaml(source, data)
        try:
            decoded = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            decoded = data.decode("gb18030", errors="replace")
        reader = csv.DictReader(io.StringIO(decoded))
        missing = {"device_id", "kind"} - set(reader.fieldnames or ())
        if missing:
            report = ImportReport()
            reason = texts.DEVICE_ERRORS["bad_columns"].format(columns=", ".join(sorted(missing)))
            report.bad_rows.append((1, reason))
            return report
        rows: list[dict[str, object]] = [dict(r) for r in reader]
        return await self.import_devices(source, rows, first_line=2)

    async def _import_yaml(self, source: str, data: bytes) -> ImportReport:
        try:
            node = yaml.compose(data.decode("utf-8"), Loader=yaml.SafeLoader)
            raw = yaml.safe_load(data.decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            report = ImportReport()
            report.bad_rows.append((0, texts.DEVICE_ERRORS["bad_file"].format(reason=exc)))
            return report
        if not isinstance(raw, list) or not isinstance(node, yaml.SequenceNode):
            report = ImportReport()
            reason = texts.DEVICE_ERRORS["bad_file"].format(reason="应为设备列表")
            report.bad_rows.append((1, reason))
            return report
        report = ImportReport()
        rows: list[dict[str, object]] = []
        lines: list[int] = []
        for item, item_node in zip(raw, node.value, strict=True):
            line = item_node.start_mark.line + 1
            if not isinstance(item, dict):
                report.bad_rows.append((line, texts.ERRORS["not_object"]))
                continue
            rows.append({str(k): v for k, v in item.items()})
            lines.append(line)
        if report.bad_rows:
            return report
        result = ImportReport()
        for index, row in enumerate(rows):
            try:
                self._device_row(row)
            except BadInput as exc:
                result.bad_rows.append((lines[index], str(exc)))
        if result.bad_rows:
            return result
        return await self.import_devices(source, rows)

    async def set_enabled(self, source: str, device_id: str, enabled: bool) -> None:
        async with self.session_factory() as session:
            result = await session.exec(
                update(SensorDevice)
                .where(col(SensorDevice.source) == source, col(SensorDevice.device_id) == device_id)
                .values(enabled=enabled)
            )
            await session.commit()
        if result.rowcount != 1:
            message = texts.ERRORS["unknown_device"].format(device_id=device_id)
            raise BadInput(message, code="unknown_device")

    async def device(self, source: str, device_id: str) -> DeviceView | None:
        async with self.session_factory() as session:
            row = (
                await session.exec(
                    select(SensorDevice).where(
                        SensorDevice.source == source, SensorDevice.device_id == device_id
                    )
                )
            ).first()
        return DeviceView.of(row, self._place(row)) if row else None

    async def devices(self, source: str) -> list[DeviceView]:
        async with self.session_factory() as session:
            rows = await session.exec(
                select(SensorDevice)
                .where(SensorDevice.source == source)
                .order_by(col(SensorDevice.device_id))
            )
            return [DeviceView.of(r, self._place(r)) for r in rows]

    def _place(self, device: SensorDevice) -> str:
        try:
            return self.tickets.router.place(
                building_code=device.building_code,
                landmark=device.landmark,
                lat=device.lat,
                lng=device.lng,
            ).address_text
        except (AddressError, BadInput):
            return device.building_code or device.landmark or device.device_id

    # --- readings -----------------------------------------------------------------------

    async def ingest(
        self, source: str, readings: Sequence[ReadingIn | ReadingOutcome]
    ) -> IngestReport:
        """Keep the good readings, then evaluate each device they touched.

        ``readings`` may hold outcomes already (readings the web layer rejected), so the
        report's outcomes line up with what was sent.
        """
        now = self.clock()
        outcomes: list[ReadingOutcome | None] = [
            r if isinstance(r, ReadingOutcome) else None for r in readings
        ]
        wanted = {r.device_id for r in readings if isinstance(r, ReadingIn)}
        if not wanted:
            return IngestReport([o or ReadingOutcome("rejected") for o in outcomes])
        accepted: dict[int, _Accepted] = {}
        inserted: set[tuple[int, str]] = set()
        # One session for the common path (a normal reading of a device with no open
        # case): the devices and their open cases in one query, the insert, one commit.
        async with self.session_factory() as session:
            found = await session.exec(
                select(SensorDevice, SensorCase)
                .join(
                    SensorCase,
                    and_(
                        col(SensorCase.device_pk) == col(SensorDevice.id),
                        col(SensorCase.status) == "open",
                    ),
                    isouter=True,
                )
                .where(
                    SensorDevice.source == source,
                    col(SensorDevice.device_id).in_(wanted),
                    col(SensorDevice.enabled).is_(True),
                )
            )
            devices: dict[str, SensorDevice] = {}
            open_cases: dict[int, SensorCase] = {}
            for device, current in found:
                devices[device.device_id] = device
                if current is not None and device.id is not None:
                    open_cases[device.id] = current
            rows_to_insert = self._check_readings(readings, devices, outcomes, accepted, now)
            if rows_to_insert:
                insert = _insert_for(session)
                statement = (
                    insert(SensorReading)
                    .on_conflict_do_nothing(index_elements=["device_pk", "reading_id"])
                    .returning(col(SensorReading.device_pk), col(SensorReading.reading_id))
                )
                # Parameters apart from the statement: compiled once and cached, sent as
                # one multi-row INSERT ("insertmanyvalues") whatever the batch's size.
                connection = await session.connection()
                result = await connection.execute(statement, rows_to_insert)
                inserted = {(pk, rid) for pk, rid in result.all() if rid is not None}
                await session.commit()
        fresh: dict[int, list[_Accepted]] = {}
        for index, item in accepted.items():
            reading = readings[index]
            assert isinstance(reading, ReadingIn) and item.device.id is not None
            if reading.reading_id is not None and (item.device.id, reading.reading_id) not in (
                inserted
            ):
                outcomes[index] = ReadingOutcome("duplicate")
                continue
            outcomes[index] = ReadingOutcome("accepted")
            fresh.setdefault(item.device.id, []).append(item)
        report = IngestReport([o or ReadingOutcome("rejected") for o in outcomes])
        for device_pk, items in fresh.items():
            await self._evaluate(items, open_cases.get(device_pk), report, now)
        return report

    def _check_readings(
        self,
        readings: Sequence[ReadingIn | ReadingOutcome],
        devices: dict[str, SensorDevice],
        outcomes: list[ReadingOutcome | None],
        accepted: dict[int, _Accepted],
        now: datetime,
    ) -> list[dict[str, object]]:
        """The rows to insert; refusals go into ``outcomes``, keepers into ``accepted``."""
        rows: list[dict[str, object]] = []
        seen_ids: set[tuple[int, str]] = set()
        for index, reading in enumerate(readings):
            if not isinstance(reading, ReadingIn):
                continue
            device = devices.get(reading.device_id)
            if device is None:
                outcomes[index] = _reject("unknown_device", device_id=reading.device_id)
                continue
            rule = self.rules.rule(device.kind)
            if rule is None:
                outcomes[index] = _reject("no_rule", kind=device.kind)
                continue
            if reading.unit is not None and reading.unit != rule.unit:
                outcomes[index] = _reject("wrong_unit", unit=reading.unit, expected=rule.unit)
                continue
            if reading.at > now + FUTURE_SLACK:
                outcomes[index] = _reject("future_time")
                continue
            assert device.id is not None
            if reading.reading_id is not None:
                key = (device.id, reading.reading_id)
                if key in seen_ids:
                    outcomes[index] = ReadingOutcome("duplicate")
                    continue
                seen_ids.add(key)
            exceeded = rule.exceeded(reading.value)
            accepted[index] = _Accepted(device, rule, reading.at, reading.value, exceeded)
            rows.append(
                {
                    "device_pk": device.id,
                    "at": reading.at,
                    "value": reading.value,
                    "unit": reading.unit,
                    "reading_id": reading.reading_id,
                    "exceeded": exceeded,
                    "received_at": now,
                }
            )
        return rows

    # --- cases --------------------------------------------------------------------------

    async def _evaluate(
        self,
        items: list[_Accepted],
        seen_open: SensorCase | None,
        report: IngestReport,
        now: datetime,
    ) -> None:
        """``seen_open``: the device's open case as the insert's session saw it."""
        device, rule = items[0].device, items[0].rule
        assert device.id is not None
        exceeding = sorted((i for i in items if i.exceeded), key=lambda i: i.at)
        current = seen_open
        if exceeding:
            # Read again after the commit: the case may have opened or closed meanwhile.
            async with self.session_factory() as session:
                current = await self._open_case(session, device.id)
                if current is None:
                    current = await self._maybe_open(session, device, rule, exceeding, report)
                else:
                    await self._add_exceedances(session, device, rule, current, exceeding, now)
        if current is None or current.id is None:
            return
        latest_normal = max((i.at for i in items if not i.exceeded), default=None)
        clear = timedelta(minutes=rule.clear_after_minutes)
        # Without a normal reading late enough there is nothing to check in the database.
        if latest_normal is not None and latest_normal >= current.last_exceed_at + clear:
            closed = await self._maybe_close(device, rule, current.id, now)
            if closed is not None:
                report.closed.append(closed)

    async def _open_case(self, session: AsyncSession, device_pk: int) -> SensorCase | None:
        rows = await session.exec(
            select(SensorCase).where(SensorCase.device_pk == device_pk, SensorCase.status == "open")
        )
        return rows.first()

    async def _maybe_open(
        self,
        session: AsyncSession,
        device: SensorDevice,
        rule: Rule,
        exceeding: list[_Accepted],
        report: IngestReport,
    ) -> SensorCase | None:
        """Open a case when some new exceedance completes ``times`` within ``minutes``."""
        assert device.id is not None
        floor = (
            await session.exec(
                select(func.max(SensorCase.last_exceed_at)).where(
                    SensorCase.device_pk == device.id, SensorCase.status == "closed"
                )
            )
        ).one()
        window = timedelta(minutes=rule.minutes)
        for item in exceeding:
            conditions = [
                col(SensorReading.device_pk) == device.id,
                col(SensorReading.exceeded).is_(True),
                col(SensorReading.at) > item.at - window,
                col(SensorReading.at) <= item.at,
            ]
            if floor is not None:
                conditions.append(col(SensorReading.at) > floor)
            count, first = (
                await session.exec(
                    select(func.count(), func.min(SensorReading.at)).where(*conditions)
                )
            ).one()
            if count < rule.times:
                continue
            # Everything exceeding since the window began belongs to this case (a batch
            # may carry readings after the one that met the rule).
            since = [
                col(SensorReading.device_pk) == device.id,
                col(SensorReading.exceeded).is_(True),
                col(SensorReading.at) >= first,
            ]
            total, last = (
                await session.exec(select(func.count(), func.max(SensorReading.at)).where(*since))
            ).one()
            row = SensorCase(
                device_pk=device.id,
                status="open",
                first_exceed_at=first,
                last_exceed_at=last,
                exceed_count=total,
                opened_at=item.at,
                created_at=self.clock(),
            )
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:
                # Another worker saw the rule met at the same moment and opened it first;
                # its count may have missed this reading, its last time must not.
                await session.rollback()
                winner = await self._open_case(session, device.id)
                if winner is not None:
                    await self._extend(session, winner.id, exceeding[-1].at)
                    await session.commit()
                return winner
            try:
                view = await self._file_ticket(device, rule, row)
            except Exception:
                # The readings and the case are committed; the sensor must not resend
                # them. The sweep files the ticket once whatever failed is fixed.
                log.exception("sensor case %s: ticket not filed yet", row.id)
                view = self._case_view(row, device.device_id)
            report.opened.append(view)
            return row
        return None

    async def _file_ticket(self, device: SensorDevice, rule: Rule, row: SensorCase) -> CaseView:
        """File the case's ticket (idempotent on the case) and record its number."""
        assert row.id is not None
        async with self.session_factory() as session:
            readings = list(
                await session.exec(
                    select(SensorReading.at, SensorReading.value)
                    .where(
                        SensorReading.device_pk == row.device_pk,
                        col(SensorReading.exceeded).is_(True),
                        col(SensorReading.at) >= row.first_exceed_at,
                        col(SensorReading.at) <= row.last_exceed_at,
                    )
                    .order_by(col(SensorReading.at))
                    .limit(_LISTED_READINGS + 1)
                )
            )
        listed = "、".join(
            texts.READING.format(time=local_text(at), value=value)
            for at, value in readings[:_LISTED_READINGS]
        )
        if row.exceed_count > _LISTED_READINGS:
            listed += texts.READINGS_MORE.format(count=row.exceed_count)
        description = texts.CASE_DESCRIPTION.format(
            rule_name=rule.name,
            label=device.label,
            device_id=device.device_id,
            place=self._place(device),
            minutes=f"{rule.minutes:g}",
            count=row.exceed_count,
            direction=texts.DIRECTION[rule.direction],
            threshold=f"{rule.threshold:g}",
            unit=rule.unit,
            readings=listed,
            case_id=row.id,
            clear=f"{rule.clear_after_minutes:g}",
        )
        draft = TicketDraft(
            category=rule.category,
            description=description,
            reporter_channel=INTAKE_CHANNEL,
            reporter_id=device.source,
            building_code=device.building_code,
            landmark=device.landmark,
            lat=device.lat,
            lng=device.lng,
            source_message_id=f"sensor-case-{row.id}",
            urgency=rule.urgency,
            filed_by=texts.ACTOR,
            source=device.source,
            source_ref=f"{device.device_id}#{row.id}"[:64],
        )
        ticket = await self.tickets.file(draft)
        async with self.session_factory() as session:
            await session.exec(
                update(SensorCase)
                .where(col(SensorCase.id) == row.id)
                .values(ticket_number=ticket.number)
            )
            await session.commit()
        log.info(
            "sensor case %s opened for %s/%s: ticket %s",
            row.id, device.source, device.device_id, ticket.number,
        )  # fmt: skip
        return CaseView(
            row.id, device.device_id, "open", ticket.number, row.exceed_count,
            row.first_exceed_at, row.last_exceed_at, None, None,
        )  # fmt: skip

    async def _add_exceedances(
        self,
        session: AsyncSession,
        device: SensorDevice,
        rule: Rule,
        current: SensorCase,
        exceeding: list[_Accepted],
        now: datetime,
    ) -> None:
        latest = exceeding[-1]
        case_id = current.id
        assert case_id is not None
        await self._extend(session, case_id, latest.at, len(exceeding))
        note_before = now - timedelta(minutes=self.rules.note_every_minutes)
        claimed = await session.exec(
            update(SensorCase)
            .where(
                col(SensorCase.id) == case_id,
                col(SensorCase.ticket_number).is_not(None),
                or_(
                    col(SensorCase.last_note_at).is_(None),
                    col(SensorCase.last_note_at) < note_before,
                ),
            )
            .values(last_note_at=now)
        )
        await session.commit()
        if claimed.rowcount != 1 or current.ticket_number is None:
            return
        await session.refresh(current)
        number = current.ticket_number
        try:
            ticket = await self.tickets.get(number)
        except TicketNotFound:
            return
        if not is_open(ticket.status):
            # Staff closed the ticket while the device still exceeds: this case ends here and
            # the next exceedances make a new case and a new ticket.
            await self._close(session, current, now, "staff")
            return
        await self.tickets.note(
            number,
            texts.ACTOR,
            texts.PROGRESS_NOTE.format(
                case_id=case_id,
                count=current.exceed_count,
                time=local_text(latest.at),
                value=latest.value,
                unit=rule.unit,
            ),
        )

    @staticmethod
    async def _extend(
        session: AsyncSession, case_id: int | None, at: datetime, count: int = 0
    ) -> None:
        """One UPDATE, so concurrent workers add up instead of overwriting each other."""
        await session.exec(
            update(SensorCase)
            .where(col(SensorCase.id) == case_id)
            .values(
                exceed_count=col(SensorCase.exceed_count) + count,
                last_exceed_at=case(
                    (col(SensorCase.last_exceed_at) < at, at),
                    else_=col(SensorCase.last_exceed_at),
                ),
            )
        )

    async def _close(
        self, session: AsyncSession, current: SensorCase, closed_at: datetime, reason: str
    ) -> bool:
        result = await session.exec(
            update(SensorCase)
            .where(col(SensorCase.id) == current.id, col(SensorCase.status) == "open")
            .values(status="closed", closed_at=closed_at, closed_reason=reason)
        )
        await session.commit()
        return bool(result.rowcount == 1)

    async def _maybe_close(
        self, device: SensorDevice, rule: Rule, case_id: int, now: datetime
    ) -> CaseView | None:
        """Close the case when a normal reading came ``clear_after_minutes`` after its last
        exceedance; resolve its ticket unless staff closed it already."""
        async with self.session_factory() as session:
            current = await session.get(SensorCase, case_id)
            if current is None or current.status != "open":
                return None
            latest_normal = (
                await session.exec(
                    select(func.max(SensorReading.at)).where(
                        SensorReading.device_pk == current.device_pk,
                        col(SensorReading.exceeded).is_(False),
                        col(SensorReading.at) > current.last_exceed_at,
                    )
                )
            ).one()
            clear = timedelta(minutes=rule.clear_after_minutes)
            if latest_normal is None or latest_normal < current.last_exceed_at + clear:
                return None
            reason = "cleared"
            ticket_open = False
            if current.ticket_number is not None:
                try:
                    ticket_open = is_open((await self.tickets.get(current.ticket_number)).status)
                except TicketNotFound:
                    ticket_open = False
                reason = "cleared" if ticket_open else "staff"
            if not await self._close(session, current, now, reason):
                return None  # another worker closed it
            await session.refresh(current)
        if ticket_open and current.ticket_number is not None:
            note = texts.RESOLVED_NOTE.format(
                minutes=f"{rule.clear_after_minutes:g}",
                last=local_text(current.last_exceed_at),
                latest=local_text(latest_normal),
                case_id=current.id,
                count=current.exceed_count,
            )
            try:
                await self.tickets.resolve(current.ticket_number, texts.ACTOR, note)
            except InvalidTransition:
                log.info("ticket %s was closed meanwhile", current.ticket_number)
        log.info("sensor case %s closed (%s)", current.id, reason)
        return self._case_view(current, device.device_id)

    @staticmethod
    def _case_view(row: SensorCase, device_id: str) -> CaseView:
        assert row.id is not None
        return CaseView(
            row.id, device_id, row.status, row.ticket_number, row.exceed_count,
            row.first_exceed_at, row.last_exceed_at, row.closed_at, row.closed_reason,
        )  # fmt: skip

    async def cases(self, source: str, device_id: str | None = None) -> list[CaseView]:
        async with self.session_factory() as session:
            query = (
                select(SensorCase, SensorDevice.device_id)
                .join(SensorDevice, and_(col(SensorDevice.id) == col(SensorCase.device_pk)))
                .where(SensorDevice.source == source)
                .order_by(col(SensorCase.id))
            )
            if device_id is not None:
                query = query.where(SensorDevice.device_id == device_id)
            rows = await session.exec(query)
            return [self._case_view(c, d) for c, d in rows]

    # --- the periodic job ---------------------------------------------------------------

    async def sweep(self, now: datetime | None = None) -> dict[str, int]:
        """For every open case: file a ticket a crash left unfiled, close it if its readings
        are normal long enough, and note once on the ticket when its device fell silent.

        A silent device does not close its case: no readings is not the same as normal
        readings (the sensor may be unplugged while the grill smokes on).
        """
        now = now or self.clock()
        counts = {"filed": 0, "closed": 0, "silent": 0}
        async with self.session_factory() as session:
            rows = list(
                await session.exec(
                    select(SensorCase, SensorDevice)
                    .join(SensorDevice, col(SensorDevice.id) == col(SensorCase.device_pk))
                    .where(SensorCase.status == "open")
                )
            )
        for current, device in rows:
            rule = self.rules.rule(device.kind)
            if rule is None or current.id is None:
                continue
            if current.ticket_number is None:
                view = await self._file_ticket(device, rule, current)
                current.ticket_number = view.ticket_number
                counts["filed"] += 1
            if await self._maybe_close(device, rule, current.id, now) is not None:
                counts["closed"] += 1
                continue
            if await self._flag_silent(device, rule, current, now):
                counts["silent"] += 1
        return counts

    async def _flag_silent(
        self, device: SensorDevice, rule: Rule, current: SensorCase, now: datetime
    ) -> bool:
        async with self.session_factory() as session:
            last = (
                await session.exec(
                    select(func.max(SensorReading.at)).where(
                        SensorReading.device_pk == current.device_pk
                    )
                )
            ).one()
            if last is None or last > now - timedelta(minutes=rule.silent_after_minutes):
                return False
            # Once per silence: a reading after the flag makes the next silence count again.
            result = await session.exec(
                update(SensorCase)
                .where(
                    col(SensorCase.id) == current.id,
                    col(SensorCase.status) == "open",
                    or_(
                        col(SensorCase.silent_flagged_at).is_(None),
                        col(SensorCase.silent_flagged_at) < last,
                    ),
                )
                .values(silent_flagged_at=now)
            )
            await session.commit()
        if result.rowcount != 1 or current.ticket_number is None:
            return False
        minutes = int((now - last).total_seconds() // 60)
        try:
            await self.tickets.note(
                current.ticket_number,
                texts.ACTOR,
                texts.SILENT_NOTE.format(
                    minutes=minutes, last=local_text(last), case_id=current.id
                ),
            )
        except TicketNotFound:
            return False
        log.warning("sensor %s/%s silent since %s", device.source, device.device_id, last)
        return True


__all__ = [
    "AlarmService",
    "CaseView",
    "DeviceView",
    "ImportReport",
    "IngestReport",
    "ReadingIn",
    "ReadingOutcome",
]
