"""Care-gap gold computed from raw bundle JSON, written apart from ``medcite.tools.caregaps``.

It reads bundles with ``evals.fhir.raw_bundle`` (plain JSON, no ``tools.fhir``), keeps its own short
code lists and its own date arithmetic, and decides, for a core set of USPSTF A/B recommendations,
whether each applies on a date and whether it is due, up to date or unknown.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from medcite.evals.fhir.raw_bundle import RawBundle, resource_key

SCT = "http://snomed.info/sct"
LNC = "http://loinc.org"
Res = dict[str, Any]

# Own code lists: (system, code).
def _s(*codes: str) -> frozenset[tuple[str, str]]:
    return frozenset((SCT, c) for c in codes)


def _l(*codes: str) -> frozenset[tuple[str, str]]:
    return frozenset((LNC, c) for c in codes)


HYSTERECTOMY = _s("116140006", "116143008", "236888001", "307771009")
CYTOLOGY = _s("90226004") | _l("10524-7", "19762-4", "33717-0", "47528-5")
HPV = _l("21440-3", "30167-1", "59420-0", "77379-6")
COLORECTAL_CANCER = _s("363406005", "93761005", "109838007")
COLECTOMY = _s("26390003")
COLONOSCOPY = _s("73761001", "444783004", "446521004", "310634005")
STOOL_BLOOD = _s("104435004", "1015401000000102") | _l("2335-8", "29771-3", "57905-2", "56490-6", "27396-1", "58453-2")
STOOL_DNA = _l("77353-1", "77354-9")
CT_COLONOGRAPHY = _l("60515-4", "72531-7", "79069-1", "79071-7", "79101-2", "82688-3")
SIGMOIDOSCOPY = _s("44441009", "396226005")
MAMMOGRAPHY = _s("71651007", "24623002") | _l("24606-6", "26346-7", "24604-1", "42174-3", "72142-3")
HIV = _s("86406008", "165816005", "62479008")
HIV_TEST = _s("31676001") | _l("75622-1", "56888-1", "7917-8", "7918-6", "68961-2", "80387-4", "89365-1", "5221-7")
HCV = _s("50711007", "128302006")
HCV_TEST = _s("104375008") | _l("13955-0", "16128-1", "11259-9")
HYPERTENSION = _s("38341003", "59621000", "1201005", "10725009")
BLOOD_PRESSURE = _l("85354-9", "55284-4", "8480-6", "8462-4")
DIABETES = _s("44054006", "73211009", "46635009", "368581000119106", "1551000119108", "157141000119108",
              "90781000119102", "97331000119101", "127013003", "422034002")
OVERWEIGHT = _s("162864005", "162863004", "414916001", "238136002")
OBESE = _s("162864005", "414916001", "238136002", "408512008")
GLYCEMIC = _l("4548-4", "17856-6", "2339-0", "2345-7", "1558-6")
BMI = _l("39156-5")
DEPRESSION_SCREEN = _s("171207006", "715252007") | _l("55758-7", "44261-6", "55757-9", "44249-1")
ANXIETY_SCREEN = _s("710841007") | _l("70274-6", "69737-5")
ALCOHOL_SCREEN = _s("763302001") | _l("75626-2", "72109-2")
DRUG_SCREEN = _s("713106006", "428211000124100") | _l("82667-7", "82666-9")
IPV_SCREEN = _s("866148006") | _l("76504-0", "76499-3")
SMOKING_STATUS = _l("72166-2")
CURRENT_SMOKER = _s("449868002", "77176002", "65568007", "428041000124106", "428061000124105", "428071000124103")
FORMER_SMOKER = _s("8517006", "281018007")
NEVER_SMOKER = _s("266919005")
AAA = _s("233985008")
AORTA_US = _l("24547-2")
PACK_YEARS = _s("401201003", "782516008")
QUIT_DATE = _l("74010-0")
OSTEOPOROSIS = _s("64859006")
DXA = _s("312681000") | _l("38265-5", "38263-0", "38267-1", "24701-5")
WEIGHT_PROGRAM = _s("408289007", "266724001", "410200000", "284352003")
CESSATION = _s("710081004", "225323000", "384742004", "711028002", "702388001")
CESSATION_DRUGS = ("varenicline", "nicotine", "bupropion")
PREGNANCY = _s("72892002", "77386006")
CVD = _s("53741008", "22298006", "399211009", "230690007", "414545008", "401303003", "401314000", "4557003",
         "399261000")
DYSLIPIDEMIA = _s("55822004", "13644009", "302870006")
METABOLIC_SYNDROME = _s("237602007")
CVD_RISK = _l("79423-0")
STATINS = ("atorvastatin", "simvastatin", "simvistatin", "rosuvastatin", "pravastatin", "lovastatin")
BMI_ANY = _l("39156-5", "59576-9")
DIET_COUNSELING = _s("11816003", "61310001", "443288003", "410177006")

VOID = {"entered-in-error", "cancelled", "not-done", "refuted"}
DATE_FIELDS = ("effectiveDateTime", "performedDateTime", "occurrenceDateTime", "onsetDateTime", "authoredOn",
               "effectivePeriod", "performedPeriod", "period")


def plus_years(d: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February."""
    y = d.year + years
    return date(y, d.month, min(d.day, calendar.monthrange(y, d.month)[1]))


def to_day(value: Any) -> date | None:
    if isinstance(value, dict):
        value = value.get("start")
    if isinstance(value, str) and len(value) >= 10:
        return date(int(value[:4]), int(value[5:7]), int(value[8:10]))
    return None


def when(res: Res) -> date | None:
    return next((to_day(res[f]) for f in DATE_FIELDS if res.get(f)), None)


def codes_of(concept: Any) -> set[tuple[str, str]]:
    if not isinstance(concept, dict):
        return set()
    return {(c.get("system", ""), c.get("code", "")) for c in concept.get("coding") or []}


def status_of(res: Res) -> str | None:
    for name in ("verificationStatus", "clinicalStatus", "status"):
        value = res.get(name)
        code = value if isinstance(value, str) else next(iter(codes_of(value)), ("", None))[1]
        if name == "verificationStatus" and code not in VOID:
            continue
        if code:
            return code
    return None


@dataclass(frozen=True)
class Gold:
    status: str  # due | up_to_date | not_applicable | unknown
    last: str | None = None  # the qualifying entry's key


@dataclass
class View:
    """The bundle as it stood on ``on``: nothing dated later, nothing void."""

    bundle: RawBundle
    on: date

    def of(self, *types: str) -> list[Res]:
        out = []
        for t in types:
            for res in self.bundle.of_type(t):
                d = when(res)
                if d is not None and d <= self.on and status_of(res) not in VOID:
                    out.append(res)
        return sorted(out, key=lambda r: (when(r), resource_key(r)))

    def coded(self, codes: frozenset[tuple[str, str]], *types: str) -> list[Res]:
        return [r for r in self.of(*types) if codes_of(r.get("code")) & codes]

    def active(self, codes: frozenset[tuple[str, str]]) -> bool:
        for c in self.coded(codes, "Condition"):
            end = to_day(c.get("abatementDateTime"))
            ongoing = end is None and status_of(c) in ("active", "recurrence", "relapse")
            if ongoing or (end is not None and end > self.on):
                return True
        return False

    def latest_number(self, codes: frozenset[tuple[str, str]], years: int) -> float | None:
        found = [
            r for r in self.coded(codes, "Observation")
            if "valueQuantity" in r and plus_years(when(r), years) > self.on  # type: ignore[arg-type]
        ]
        return float(found[-1]["valueQuantity"]["value"]) if found else None

    def smoking(self) -> list[set[tuple[str, str]]]:
        return [codes_of(r.get("valueCodeableConcept")) for r in self.coded(SMOKING_STATUS, "Observation")]

    def medications(self, names: Iterable[str], current: bool) -> list[Res]:
        out = []
        for r in self.of("MedicationRequest"):
            concept = r.get("medicationCodeableConcept") or {}
            displays = [str(c.get("display", "")) for c in concept.get("coding", [])]
            text = " ".join([str(concept.get("text") or ""), *displays])
            if any(n in text.lower() for n in names) and (not current or r.get("status") == "active"):
                out.append(r)
        return out


def satisfied(view: View, methods: list[tuple[list[Res], int | None]]) -> Gold:
    """``methods``: qualifying entries (oldest first) and the years one counts (None: once is enough)."""
    best: tuple[date, str] | None = None
    last: tuple[date, str] | None = None
    for entries, years in methods:
        if not entries:
            continue
        entry = entries[-1]
        d = when(entry)
        assert d is not None
        until = date.max if years is None else plus_years(d, years)
        if best is None or until > best[0]:
            best = (until, resource_key(entry))
        if last is None or (d, resource_key(entry)) > last:
            last = (d, resource_key(entry))
    if best is not None and best[0] > view.on:
        return Gold("up_to_date", best[1])
    return Gold("due", last[1] if last else None)


def _age(bundle: RawBundle, on: date) -> int:
    b = to_day(bundle.patient["birthDate"])
    assert b is not None
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def _age_at(bundle: RawBundle, d: date) -> int:
    return _age(bundle, d)


Rule = Callable[[View, int, str], Gold]


def cervical(v: View, age: int, sex: str) -> Gold:
    if sex != "female" or not 21 <= age <= 65:
        return Gold("not_applicable")
    if v.coded(HYSTERECTOMY, "Procedure"):
        return Gold("not_applicable")
    cytology = v.coded(CYTOLOGY, "Procedure", "Observation", "DiagnosticReport")
    hpv = [r for r in v.coded(HPV, "Observation", "DiagnosticReport") if _age_at(v.bundle, when(r)) >= 30]  # type: ignore
    return satisfied(v, [(cytology, 3), (hpv, 5)])


def _colorectal(low: int, high: int) -> Rule:
    def rule(v: View, age: int, sex: str) -> Gold:
        if not low <= age <= high:
            return Gold("not_applicable")
        if v.active(COLORECTAL_CANCER) or v.coded(COLECTOMY, "Procedure"):
            return Gold("not_applicable")
        kinds = ("Procedure", "Observation", "DiagnosticReport")
        return satisfied(v, [
            (v.coded(COLONOSCOPY, *kinds), 10),
            (v.coded(CT_COLONOGRAPHY, *kinds), 5),
            (v.coded(SIGMOIDOSCOPY, *kinds), 5),
            (v.coded(STOOL_DNA, *kinds), 3),
            (v.coded(STOOL_BLOOD, *kinds), 1),
        ])

    return rule


def breast(v: View, age: int, sex: str) -> Gold:
    if sex != "female" or not 40 <= age <= 74:
        return Gold("not_applicable")
    return satisfied(v, [(v.coded(MAMMOGRAPHY, "Procedure", "DiagnosticReport", "Observation", "ImagingStudy"), 2)])


def _once(low: int, high: int, known: frozenset[tuple[str, str]], tests: frozenset[tuple[str, str]]) -> Rule:
    def rule(v: View, age: int, sex: str) -> Gold:
        if not low <= age <= high or v.active(known):
            return Gold("not_applicable")
        return satisfied(v, [(v.coded(tests, "Observation", "DiagnosticReport", "Procedure"), None)])

    return rule


def hypertension(v: View, age: int, sex: str) -> Gold:
    if age < 18 or v.active(HYPERTENSION):
        return Gold("not_applicable")
    return satisfied(v, [(v.coded(BLOOD_PRESSURE, "Observation"), 1 if age >= 40 else 3)])


def diabetes_screen(v: View, age: int, sex: str) -> Gold:
    if not 35 <= age <= 70 or v.active(DIABETES):
        return Gold("not_applicable")
    bmi = v.latest_number(BMI, 5)
    if not v.active(OVERWEIGHT):
        if bmi is None:
            return Gold("unknown")
        if bmi < 25:
            return Gold("not_applicable")
    return satisfied(v, [(v.coded(GLYCEMIC, "Observation"), 3)])


def _yearly(
    low: int, high: int, tests: frozenset[tuple[str, str]], sexes: tuple[str, ...] = ("female", "male")
) -> Rule:
    def rule(v: View, age: int, sex: str) -> Gold:
        if sex not in sexes or not low <= age <= high:
            return Gold("not_applicable")
        return satisfied(v, [(v.coded(tests, "Observation", "DiagnosticReport", "Procedure"), 1)])

    return rule


def _smoker(v: View) -> str | None:
    """'current', 'former', 'never' from the latest status; None when there is none."""
    statuses = v.smoking()
    if not statuses:
        return None
    latest = statuses[-1]
    return "current" if latest & CURRENT_SMOKER else "former" if latest & FORMER_SMOKER else "never"


def _ever_smoked(v: View) -> bool | None:
    statuses = v.smoking()
    if not statuses:
        return None
    return any(s & (CURRENT_SMOKER | FORMER_SMOKER) for s in statuses)


def aaa(v: View, age: int, sex: str) -> Gold:
    if sex != "male" or not 65 <= age <= 75:
        return Gold("not_applicable")
    ever = _ever_smoked(v)
    if ever is False or v.active(AAA):
        return Gold("not_applicable")
    if ever is None:
        return Gold("unknown")
    return satisfied(v, [(v.coded(AORTA_US, "Procedure", "DiagnosticReport", "ImagingStudy"), None)])


def lung(v: View, age: int, sex: str) -> Gold:
    if not 50 <= age <= 80:
        return Gold("not_applicable")
    ever = _ever_smoked(v)
    if ever is False:
        return Gold("not_applicable")
    pack_years = v.latest_number(PACK_YEARS, 200)
    if pack_years is not None and pack_years < 20:
        return Gold("not_applicable")
    recent = _smoker(v) == "current" or bool(v.coded(QUIT_DATE, "Observation"))
    if ever is None or pack_years is None or not recent:
        return Gold("unknown")
    return Gold("due")  # no low-dose CT appears in these bundles


def osteoporosis(v: View, age: int, sex: str) -> Gold:
    if sex != "female" or age < 65 or v.active(OSTEOPOROSIS):
        return Gold("not_applicable")
    found = v.coded(DXA, "Procedure", "Observation", "DiagnosticReport")
    tests = [r for r in found if _age_at(v.bundle, when(r)) >= 65]  # type: ignore[arg-type]
    return satisfied(v, [(tests, None)])


def weight_loss(v: View, age: int, sex: str) -> Gold:
    if age < 18:
        return Gold("not_applicable")
    if not v.active(OBESE):
        bmi = v.latest_number(BMI, 5)
        if bmi is None:
            return Gold("unknown")
        if bmi < 30:
            return Gold("not_applicable")
    return satisfied(v, [(v.coded(WEIGHT_PROGRAM, "Procedure", "CarePlan"), 1)])


def tobacco(v: View, age: int, sex: str) -> Gold:
    if age < 18 or v.active(PREGNANCY):
        return Gold("not_applicable")
    status = _smoker(v)
    if status is None:
        return Gold("unknown")
    if status != "current":
        return Gold("not_applicable")
    return satisfied(v, [(v.coded(CESSATION, "Procedure"), 1), (v.medications(CESSATION_DRUGS, current=False), 1)])


def statin(v: View, age: int, sex: str) -> Gold:
    if not 40 <= age <= 75 or v.active(CVD):
        return Gold("not_applicable")
    factor = v.active(DYSLIPIDEMIA) or v.active(DIABETES) or v.active(HYPERTENSION) or _smoker(v) == "current"
    if not factor and _smoker(v) is not None:
        return Gold("not_applicable")
    risk = v.latest_number(CVD_RISK, 5)
    if risk is not None and risk < 10:
        return Gold("not_applicable")
    if risk is None or not factor:
        return Gold("unknown")
    return satisfied(v, [(v.medications(STATINS, current=True), None)])


def child_obesity(v: View, age: int, sex: str) -> Gold:
    if not 6 <= age <= 17:
        return Gold("not_applicable")
    return satisfied(v, [(v.coded(BMI_ANY, "Observation"), 1)])


def diet_counseling(v: View, age: int, sex: str) -> Gold:
    if age < 18 or not (v.active(HYPERTENSION) or v.active(DYSLIPIDEMIA) or v.active(METABOLIC_SYNDROME)):
        return Gold("not_applicable")
    return satisfied(v, [(v.coded(DIET_COUNSELING, "Procedure", "CarePlan"), 1)])


RULES: dict[int, Rule] = {
    426: cervical,
    1928: _colorectal(50, 75),
    1929: _colorectal(45, 49),
    2035: breast,
    485: _once(15, 65, HIV, HIV_TEST),
    524: _once(18, 79, HCV, HCV_TEST),
    1921: hypertension,
    1934: diabetes_screen,
    2016: _yearly(18, 200, DEPRESSION_SCREEN),
    2014: _yearly(18, 64, ANXIETY_SCREEN),
    438: _yearly(18, 200, ALCOHOL_SCREEN),
    767: _yearly(18, 200, DRUG_SCREEN),
    434: _yearly(11, 49, IPV_SCREEN, ("female",)),
    518: aaa,
    1916: lung,
    420: osteoporosis,
    433: weight_loss,
    1905: tobacco,
    1981: statin,
    369: child_obesity,
    1845: diet_counseling,
}


def last_activity(bundle: RawBundle) -> date:
    """The latest day of an encounter, procedure, result, report, immunization or prescription."""
    days = [
        when(r)
        for t in ("Encounter", "Procedure", "Observation", "DiagnosticReport", "Immunization", "MedicationRequest")
        for r in bundle.of_type(t)
        if status_of(r) not in VOID
    ]
    return max(d for d in days if d is not None)


def gold(bundle: RawBundle, on: date) -> dict[int, Gold]:
    """The gold status of every covered recommendation on ``on``."""
    deceased = to_day(bundle.patient.get("deceasedDateTime"))
    if deceased is not None and deceased <= on:
        return {rid: Gold("not_applicable") for rid in RULES}
    view = View(bundle, on)
    age, sex = _age(bundle, on), str(bundle.patient.get("gender"))
    return {rid: rule(view, age, sex) for rid, rule in RULES.items()}
