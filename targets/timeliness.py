"""When a quarterly report is late: the one rule behind the late-units page, the review queue,
the reminders and the workbook's submissions sheet (plain Python, no ORM).

A report counts as sent while it is submitted or approved; one returned for correction is
outstanding again, as its unit must send it anew. The deadline day itself is still in time.
A report first sent by its deadline stays on time when the secretariat returns it, or an admin
reopens it, for a correction: the unit met the deadline, and the correction is asked of it
afterwards (returned after the deadline, it would else become late, and lose its on-time points
in the emulation, for having been asked to correct it). Its correction is the review queue's
business, not the late list's. Unless the secretariat returns it as not counted as sent (a report
sent nearly empty on the deadline day, to be filled in weeks later): then its next sending decides
(workflow.return_for_correction).
Who owes a report at all, and so can be late, is overview.owes_reports: never a unit for a year
before the one it takes part from (models.takes_part, the rule the year's ranking lists units by).
"""

from __future__ import annotations

import datetime

ON_TIME = "on_time"
LATE = "late"
OPEN = "open"  # not sent yet, and not yet due


def timeliness(due: datetime.date, today: datetime.date, sent_on: datetime.date | None,
               first_sent_on: datetime.date | None = None) -> str:
    """ON_TIME, LATE (sent after the deadline, or still missing after it) or OPEN; `sent_on` is
    when the report now standing was sent, `first_sent_on` when it was first sent."""
    if first_sent_on is not None and first_sent_on <= due:
        return ON_TIME
    if sent_on is not None:
        return ON_TIME if sent_on <= due else LATE
    return LATE if today > due else OPEN


def overdue(due: datetime.date, today: datetime.date, sent_on: datetime.date | None,
            first_sent_on: datetime.date | None = None) -> bool:
    """Late and still missing: the units a reviewer chases and reminds."""
    return sent_on is None and timeliness(due, today, sent_on, first_sent_on) == LATE
