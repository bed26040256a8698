"""Preventive-care gaps: the USPSTF grade A and B recommendations that apply to a patient on a date,
each due, up to date, or unknown (with the datum the record lacks), from rules kept as data.

Typical use::

    report = care_gaps(source, patient_id)                 # as of today, or the record's last activity
    report = care_gaps(source, patient_id, as_of=date(2020, 12, 1))
    for gap in report.applicable():
        print(gap.status, gap.title, gap.last)
"""

from medcite.tools.caregaps.as_of import record_as_of, resolve_as_of
from medcite.tools.caregaps.engine import age_in_years, care_gaps
from medcite.tools.caregaps.models import AsOf, CareGap, CareGapReport, RecordEntry, Status
from medcite.tools.caregaps.rules import Rulebook, rulebook

__all__ = [
    "AsOf",
    "CareGap",
    "CareGapReport",
    "RecordEntry",
    "Rulebook",
    "Status",
    "age_in_years",
    "care_gaps",
    "record_as_of",
    "resolve_as_of",
    "rulebook",
]
