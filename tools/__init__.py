"""Tools the agent calls: FHIR patient data (``tools.fhir``) and guideline retrieval (``tools.retrieval``)."""
