"""Scripted evaluations: medical QA, FHIR question answering, summary faithfulness."""
