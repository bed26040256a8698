"""Corpora: the default guideline corpus (data) and ingestion of user documents."""
