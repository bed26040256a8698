"""Who a passage is for: a patient's sex, age and pregnancy against a recommendation's population."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from medcite.tools.retrieval.passage import Passage


@dataclass(frozen=True)
class Population:
    """The patient a search is for; None means not known, and filters nothing."""

    sex: Literal["female", "male"] | None = None
    age: int | None = None
    pregnant: bool | None = None

    def admits(self, passage: Passage) -> bool:
        """False only when the passage's population certainly excludes this patient."""
        if passage.sex is not None and self.sex is not None and passage.sex != self.sex:
            return False
        if self.age is not None:
            if passage.age_min is not None and self.age < passage.age_min:
                return False
            if passage.age_max is not None and self.age > passage.age_max:
                return False
        if passage.pregnancy == "only" and self.pregnant is False:
            return False
        return not (passage.pregnancy == "excluded" and self.pregnant is True)

    def describe(self) -> str:
        parts = [self.sex or "", f"age {self.age}" if self.age is not None else ""]
        if self.pregnant is not None:
            parts.append("pregnant" if self.pregnant else "not pregnant")
        return ", ".join(p for p in parts if p) or "anyone"
