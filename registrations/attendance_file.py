"""Read the attendance file that Teams lets a meeting's organiser download.

Teams has written three layouts over the years, all tab-separated text, usually UTF-16
with a byte-order mark (some tools re-save it as UTF-8), in the organiser's language:

- since 2021, numbered sections: ``1. Summary`` (title, start and end time, duration),
  ``2. Participants`` (one row per person: first join, last leave, in-meeting duration,
  e-mail, role) and ``3. In-Meeting Activities`` (one row per join, with its leave);
- in 2020, a ``Meeting Summary`` block, then one row per join ("Full Name", "Join Time",
  "Leave Time", "Duration", "Email", "Role");
- before that, a log of actions ("Full Name", "User Action", "Timestamp") with
  "Joined", "Joined before" and "Left" lines.

Each comes out the same way: a list of people with their join/leave intervals (or, when
only the participants table is there, their total time). Anything else is refused with
a message that says what was expected; the file's contents are never echoed back.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

# The largest file accepted: a meeting of a few thousand people is well under it.
MAX_BYTES = 5 * 1024 * 1024

HEADER_NAMES = {
    "name": {"name", "full name", "nome", "nome completo"},
    "join": {"join time", "first join", "ora di ingresso", "primo ingresso", "ingresso"},
    "leave": {"leave time", "last leave", "ora di uscita", "ultima uscita", "uscita"},
    # The participants table: one row per person, first join and last leave only.
    "totals": {"first join", "primo ingresso"},
    "duration": {"duration", "in-meeting duration", "durata", "durata nella riunione"},
    "email": {"email", "e-mail", "indirizzo e-mail", "posta elettronica"},
    "role": {"role", "ruolo"},
    "action": {"user action", "azione utente", "azione"},
    "timestamp": {"timestamp", "data e ora"},
    "upn": {"participant id (upn)", "id partecipante (upn)"},
}
SUMMARY_START = {"start time", "meeting start time", "ora di inizio", "ora di inizio riunione"}
SUMMARY_END = {"end time", "meeting end time", "ora di fine", "ora di fine riunione"}
JOINED = {"joined", "joined before", "ha partecipato", "ha partecipato prima", "entrato"}
LEFT = {"left", "ha abbandonato", "uscito"}


class AttendanceFileError(ValueError):
    """The file is not a Teams attendance report this site can read (message in Italian)."""


@dataclass
class Attendee:
    name: str
    email: str = ""
    role: str = ""
    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)
    seconds: int = 0

    @property
    def key(self) -> str:
        return self.email.lower() if self.email else f"name:{normalise_name(self.name)}"


@dataclass
class AttendanceReport:
    attendees: list[Attendee]
    start: datetime | None = None
    end: datetime | None = None


def normalise_name(name: str) -> str:
    """«Verdi, Anna (Ospite)» → «anna verdi»: the words of a name, in order, unaccented."""
    name = re.sub(r"\([^)]*\)", " ", name)  # "(Guest)", "(Ospite)", "(External)"
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c))
    words = re.findall(r"[^\W\d_]+", name.casefold())
    return " ".join(sorted(words))


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise AttendanceFileError(
            _("The file is larger than %(size)s MB: it is not a Teams attendance report.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif len(data) > 1 and data[1:2] == b"\x00":
        encoding = "utf-16-le"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise AttendanceFileError(
            _(
                "The file cannot be read as text: download the attendance report from Teams "
                "again and upload it as it is (a .csv file, not a spreadsheet)."
            )
        ) from None


def cells(line: str) -> list[str]:
    return [cell.strip().strip('"').strip() for cell in line.rstrip("\r\n").split("\t")]


def header_columns(row: list[str]) -> dict[str, int]:
    """The columns a header row names, by meaning; empty when the row is not a header."""
    columns = {}
    for index, cell in enumerate(row):
        label = cell.casefold()
        for meaning, names in HEADER_NAMES.items():
            if label in names and meaning not in columns:
                columns[meaning] = index
    return columns if "name" in columns else {}


TIME_FORMATS_US = ["%m/%d/%y, %I:%M:%S %p", "%m/%d/%Y, %I:%M:%S %p", "%m/%d/%Y %I:%M:%S %p"]
TIME_FORMATS_EU = ["%d/%m/%y, %H:%M:%S", "%d/%m/%Y, %H:%M:%S", "%d/%m/%Y %H:%M:%S"]


def parse_time(value: str) -> datetime | None:
    """«4/17/20, 10:28:03 AM» (US, with AM/PM) or «17/04/2020, 10:28:03» (24 hours), in
    the organiser's time zone (the site's)."""
    value = " ".join(value.replace("\u202f", " ").split())
    if not value:
        return None
    zone = ZoneInfo(settings.TIME_ZONE)
    try:
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    except ValueError:
        pass
    formats = TIME_FORMATS_US if re.search(r"[AaPp]\.?[Mm]\.?$", value) else TIME_FORMATS_EU
    value = re.sub(r"([AaPp])\.?([Mm])\.?$", lambda m: (m[1] + m[2]).upper(), value)
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=zone)
        except ValueError:
            continue
    return None


def parse_duration(value: str) -> int | None:
    """«1h 30m 51s», «45m 3s», «51s» or «01:30:51» → seconds."""
    value = value.strip()
    clock = re.fullmatch(r"(\d+):(\d{2}):(\d{2})", value)
    if clock:
        hours, minutes, seconds = map(int, clock.groups())
        return hours * 3600 + minutes * 60 + seconds
    parts = re.findall(r"(\d+)\s*([hms])", value.lower())
    if not parts:
        return None
    factor = {"h": 3600, "m": 60, "s": 1}
    return sum(int(number) * factor[unit] for number, unit in parts)


def parse(data: bytes) -> AttendanceReport:
    """The people in a Teams attendance file. Raises ``AttendanceFileError``."""
    lines = decode(data).splitlines()
    start = end = None
    tables: list[tuple[dict[str, int], list[list[str]]]] = []
    current = None
    for line in lines:
        row = cells(line)
        if not any(row):
            current = None
            continue
        label = row[0].casefold()
        if len(row) >= 2 and label in SUMMARY_START:
            start = parse_time(row[1])
            continue
        if len(row) >= 2 and label in SUMMARY_END:
            end = parse_time(row[1])
            continue
        columns = header_columns(row)
        if columns and (len(columns) >= 3):
            current = (columns, [])
            tables.append(current)
            continue
        if re.match(r"^\d+\.\s", row[0]):  # "3. In-Meeting Activities": a new section
            current = None
            continue
        if current is not None:
            current[1].append(row)
    attendees = from_intervals(tables) or from_actions(tables) or from_totals(tables)
    if attendees is None:
        raise AttendanceFileError(
            _(
                "This is not a Teams attendance report: no table of participants with their "
                "join and leave times was found. In Teams, open the meeting, then "
                "“Attendance” (Presenze), and download the report."
            )
        )
    return AttendanceReport(attendees=attendees, start=start, end=end)


def value(row: list[str], columns: dict[str, int], meaning: str) -> str:
    index = columns.get(meaning)
    return row[index] if index is not None and index < len(row) else ""


def row_person(row: list[str], columns: dict[str, int]) -> Attendee | None:
    """The person a row is about (name, e-mail when it is one, role); None without a name."""
    name = value(row, columns, "name")
    if not name:
        return None
    email = value(row, columns, "email") or value(row, columns, "upn")
    return Attendee(
        name=name, email=email if "@" in email else "", role=value(row, columns, "role")
    )


def people(rows, columns) -> dict[str, Attendee]:
    """One ``Attendee`` per person in ``rows``, by e-mail or else by name."""
    found: dict[str, Attendee] = {}
    for row in rows:
        attendee = row_person(row, columns)
        if attendee is not None:
            found.setdefault(attendee.key, attendee)
    return found


def from_intervals(tables) -> list[Attendee] | None:
    """Rows with a join and a leave time each (the activities section, or the 2020 layout)."""
    for columns, rows in tables:
        if "join" not in columns or "leave" not in columns or "action" in columns:
            continue
        if "totals" in columns:  # first join and last leave: not the time in between
            continue
        by_key = people(rows, columns)
        if not by_key:
            continue
        intervals_seen = False
        for row in rows:
            person = row_person(row, columns)
            if person is None:
                continue
            joined = parse_time(value(row, columns, "join"))
            left = parse_time(value(row, columns, "leave"))
            attendee = by_key[person.key]
            if joined and left and left >= joined:
                attendee.intervals.append((joined, left))
                intervals_seen = True
        if not intervals_seen:
            continue
        for attendee in by_key.values():
            attendee.seconds = union_seconds(attendee.intervals)
        return list(by_key.values())
    return None


def from_actions(tables) -> list[Attendee] | None:
    """The oldest layout: "Joined" / "Left" lines, paired in order per person."""
    for columns, rows in tables:
        if "action" not in columns or "timestamp" not in columns:
            continue
        by_key = people(rows, columns)
        open_since: dict[str, datetime] = {}
        for row in rows:
            name = value(row, columns, "name")
            when = parse_time(value(row, columns, "timestamp"))
            action = value(row, columns, "action").casefold()
            if not name or when is None:
                continue
            key = f"name:{normalise_name(name)}"
            if action in JOINED:
                open_since.setdefault(key, when)
            elif action in LEFT and key in open_since:
                by_key[key].intervals.append((open_since.pop(key), when))
        for attendee in by_key.values():
            attendee.seconds = union_seconds(attendee.intervals)
        return list(by_key.values()) if by_key else None
    return None


def from_totals(tables) -> list[Attendee] | None:
    """Only a participants table: each person's total, without intervals."""
    for columns, rows in tables:
        if "duration" not in columns:
            continue
        by_key = people(rows, columns)
        for row in rows:
            person = row_person(row, columns)
            if person is not None:
                by_key[person.key].seconds += parse_duration(value(row, columns, "duration")) or 0
        return list(by_key.values()) if by_key else None
    return None


def union_seconds(intervals) -> int:
    """Seconds covered by the intervals, overlaps counted once (two devices at once)."""
    total = 0
    current_start = current_end = None
    for joined, left in sorted(intervals):
        if current_end is None or joined > current_end:
            if current_end is not None:
                total += (current_end - current_start) / timedelta(seconds=1)
            current_start, current_end = joined, left
        else:
            current_end = max(current_end, left)
    if current_end is not None:
        total += (current_end - current_start) / timedelta(seconds=1)
    return int(total)
