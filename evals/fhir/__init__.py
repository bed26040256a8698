"""FHIR question answering over Synthea bundles: tasks with gold answers computed from the raw bundle JSON
(independently of ``tools.fhir``), scoring, and a runner taking any answer function."""
