"""Accuracy reported elsewhere (model cards), kept in ``evals/data/reference_scores.json``."""

from __future__ import annotations

from pydantic import BaseModel

from medcite.evals.data import load_data

REFERENCE_LABEL = "reported elsewhere, not measured here"


class ReferenceScores(BaseModel):
    source: str
    datasets: dict[str, str]  # medcite dataset name -> benchmark name used by the source
    models: dict[str, dict[str, float]]  # model -> benchmark name -> accuracy %

    def for_dataset(self, dataset: str) -> dict[str, float]:
        """``{model: accuracy %}`` for one medcite dataset name (empty when the source has none)."""
        bench = self.datasets.get(dataset)
        if bench is None:
            return {}
        return {m: scores[bench] for m, scores in self.models.items() if bench in scores}


def reference_scores() -> ReferenceScores:
    return ReferenceScores.model_validate(load_data("reference_scores"))
