"""Guideline corpora: the shipped default corpus (data) and ingestion of user documents.

Ingestion writes through ``medcite.tools.retrieval``'s store; retrieval never imports this package.

    retriever = open_guidelines(settings)     # the store, with the default corpus built on first use
"""

from medcite.corpora.open import open_guidelines

__all__ = ["open_guidelines"]
