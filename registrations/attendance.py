"""Attendance: Teams reports matched to registrations, minutes and a verdict per registrant.

Reports come from Microsoft Graph (``events.teams`` fetches them and hands them over
through ``ATTENDANCE_HOOK``) or from the file staff upload (``attendance_file``); both
become ``AttendanceRecord`` rows, one per person and report, and an import of the same
report again changes nothing (staff's decisions on uncertain matches are kept).

Matching: by e-mail where the report has one; otherwise by the name, proposed to staff
to confirm or correct. Nobody is counted present without a confirmed registration.
Each confirmed registrant then gets the minutes attended (joins counted once, across
reports) and attended / partly / absent against the webinar's threshold.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.dateparse import parse_datetime

from events.models import WebinarPage
from registrations.attendance_file import (
    AttendanceReport,
    Attendee,
    normalise_name,
    parse,
    union_seconds,
)
from registrations.models import AttendanceRecord, Registration
from registrations.services import lock_webinar

Match = AttendanceRecord.Match
Status = Registration.Status
Verdict = Registration.Attendance
# Roles Teams gives the people running the meeting: not registrants, not proposed.
ORGANISER_ROLES = {"organizer", "organiser", "organizzatore", "coorganizer", "co-organizer"}


@dataclass
class ImportResult:
    records: int
    matched: int
    proposed: int
    unmatched: int


def file_report_key(report: AttendanceReport) -> str:
    """The report a file holds, by what it says: the same report saved again in another
    encoding or layout of lines is the same report (imported again, not added)."""
    people = sorted(
        (
            attendee.key,
            attendee.seconds,
            [[joined.isoformat(), left.isoformat()] for joined, left in attendee.intervals],
        )
        for attendee in report.attendees
    )
    content = json.dumps([str(report.start), str(report.end), people])
    return f"file:{hashlib.sha256(content.encode()).hexdigest()[:32]}"


def import_file(*, webinar: WebinarPage, data: bytes) -> ImportResult:
    """A Teams attendance file staff uploaded. Raises ``AttendanceFileError`` on bad input."""
    report = parse(data)
    return import_report(
        webinar_id=webinar.pk,
        source=AttendanceRecord.Source.FILE,
        report_key=file_report_key(report),
        attendees=report.attendees,
    )


def attendees_from_graph(records: list[dict]) -> list[Attendee]:
    """Graph's ``attendanceRecord`` objects as ``Attendee``: e-mail, name, role, intervals."""
    people = {}
    for record in records:
        identity = record.get("identity") or {}
        email = (record.get("emailAddress") or "").strip()
        attendee = Attendee(
            name=(identity.get("displayName") or "").strip(),
            email=email if "@" in email else "",
            role=(record.get("role") or "").strip(),
        )
        for interval in record.get("attendanceIntervals") or []:
            joined = parse_datetime(interval.get("joinDateTime") or "")
            left = parse_datetime(interval.get("leaveDateTime") or "")
            if joined and left and left >= joined:
                attendee.intervals.append((joined, left))
        total = record.get("totalAttendanceInSeconds")
        attendee.seconds = union_seconds(attendee.intervals) or int(total or 0)
        if not attendee.name and not attendee.email:
            continue
        # The same person twice in one report (two devices): one person, both intervals.
        existing = people.setdefault(attendee.key, attendee)
        if existing is not attendee:
            existing.intervals += attendee.intervals
            merged = union_seconds(existing.intervals)
            existing.seconds = merged or existing.seconds + attendee.seconds
    return list(people.values())


def import_report(
    *, webinar_id: int, source: str, report_key: str, attendees: list[Attendee]
) -> ImportResult:
    """Store one report's people (replacing an earlier import of it) and recompute."""
    with transaction.atomic():
        webinar = lock_webinar(webinar_id)
        existing = {
            record.person_key: record
            for record in AttendanceRecord.objects.filter(webinar=webinar, report_key=report_key)
        }
        keep = set()
        for attendee in attendees:
            key = attendee.key[:300]
            keep.add(key)
            record = existing.get(key) or AttendanceRecord(
                webinar=webinar, source=source, report_key=report_key, person_key=key
            )
            record.email = attendee.email[:254]
            record.display_name = attendee.name[:300]
            record.role = attendee.role[:50]
            record.seconds = attendee.seconds
            record.intervals = [[a.isoformat(), b.isoformat()] for a, b in attendee.intervals]
            record.save()
        stale = [record.pk for key, record in existing.items() if key not in keep]
        AttendanceRecord.objects.filter(pk__in=stale).delete()
        match_records(webinar)
        apply_attendance(webinar)
        records = AttendanceRecord.objects.filter(webinar=webinar, report_key=report_key)
        return ImportResult(
            records=records.count(),
            matched=records.filter(match__in=AttendanceRecord.COUNTED).count(),
            proposed=records.filter(match=Match.PROPOSED).count(),
            unmatched=records.filter(match=Match.NONE).count(),
        )


def match_records(webinar: WebinarPage) -> None:
    """Match each record not decided by staff: by e-mail, else propose by name."""
    registrations = list(
        Registration.objects.filter(webinar=webinar, status=Status.CONFIRMED, anonymised_at=None)
    )
    by_email = {registration.email.lower(): registration for registration in registrations}
    by_name: dict[str, list[Registration]] = {}
    for registration in registrations:
        by_name.setdefault(normalise_name(registration.full_name), []).append(registration)
    records = AttendanceRecord.objects.filter(webinar=webinar).exclude(
        match__in=AttendanceRecord.DECIDED
    )
    for record in records:
        match = Match.EMAIL
        registration = by_email.get(record.email.lower()) if record.email else None
        if registration is None:
            match = Match.PROPOSED
            registration = propose(record, by_name)
        if registration is None:
            match = Match.IGNORED if record.role.casefold() in ORGANISER_ROLES else Match.NONE
        if (record.registration_id, record.match) != (getattr(registration, "pk", None), match):
            record.registration = registration
            record.match = match
            record.save(update_fields=["registration", "match", "imported_at"])


def propose(record: AttendanceRecord, by_name) -> Registration | None:
    """The registrant this record may be: one with the same name, preferring one whose
    personal join link was used (guests join by link). None when it cannot be told."""
    if record.role.casefold() in ORGANISER_ROLES:
        return None
    candidates = by_name.get(normalise_name(record.display_name), [])
    if len(candidates) > 1:
        candidates = [registration for registration in candidates if registration.join_count]
    return candidates[0] if len(candidates) == 1 else None


def scheduled_seconds(webinar: WebinarPage) -> int:
    return max(int((webinar.end - webinar.start).total_seconds()), 1)


def verdict(seconds: int, webinar: WebinarPage) -> str:
    if seconds <= 0:
        return Verdict.ABSENT
    if seconds * 100 >= webinar.attendance_threshold * scheduled_seconds(webinar):
        return Verdict.ATTENDED
    return Verdict.PARTLY


def within_schedule(webinar: WebinarPage, joined: datetime, left: datetime):
    """The part of a stay inside the scheduled time: minutes before the start or after the
    end count for no one, so nobody attends more than the webinar lasts."""
    joined, left = max(joined, webinar.start), min(left, webinar.end)
    return (joined, left) if left > joined else None


def apply_attendance(webinar: WebinarPage) -> None:
    """Minutes and verdict of each confirmed registrant, from the records that count."""
    intervals: dict[int, list[tuple[datetime, datetime]]] = {}
    totals: dict[int, int] = {}
    counted = AttendanceRecord.objects.filter(
        webinar=webinar, match__in=AttendanceRecord.COUNTED, registration__isnull=False
    )
    for record in counted:
        stays = [(parse_datetime(a), parse_datetime(b)) for a, b in record.intervals]
        spans = [span for stay in stays if (span := within_schedule(webinar, *stay))]
        intervals.setdefault(record.registration_id, []).extend(spans)
        if not stays:  # a file with totals only
            totals[record.registration_id] = totals.get(record.registration_id, 0) + record.seconds
    confirmed = Registration.objects.filter(webinar=webinar, status=Status.CONFIRMED)
    for registration in confirmed:
        seconds = union_seconds(intervals.get(registration.pk, []))
        seconds += totals.get(registration.pk, 0)
        seconds = min(seconds, scheduled_seconds(webinar))
        result = verdict(seconds, webinar)
        if (registration.attended_seconds, registration.attendance) != (seconds, result):
            registration.attended_seconds = seconds
            registration.attendance = result
            registration.save(update_fields=["attended_seconds", "attendance", "updated_at"])


def record_decide(*, record: AttendanceRecord, registration: Registration | None) -> None:
    """Staff confirm a proposed match, correct it (another registrant), or set it aside."""
    with transaction.atomic():
        webinar = lock_webinar(record.webinar_id)
        record = AttendanceRecord.objects.select_for_update().get(pk=record.pk)
        if registration is not None and (
            registration.webinar_id != webinar.pk or registration.status != Status.CONFIRMED
        ):
            raise ValueError("Only a confirmed registration of the same webinar can be matched.")
        record.registration = registration
        record.match = Match.CONFIRMED if registration else Match.IGNORED
        record.save(update_fields=["registration", "match", "imported_at"])
        apply_attendance(webinar)


def minutes(seconds: int | None) -> int:
    return round((seconds or 0) / 60)
