"""Search within one patient's clinical notes: a hybrid (BM25 + embedding) index over the note sections
of :mod:`medcite.tools.fhir`, built from the record on first use and cached by content hash, and the
``search_notes`` tool.

Typical use::

    tool = make_note_tools(source, patient_id, embedder=lambda: GuidelineEmbedder("all-MiniLM-L6-v2"))[0]
    text, evidence = tool.func("why was metformin stopped")

This package sits beside ``tools.fhir`` and ``tools.retrieval`` and may import both; they never import it.
"""

from medcite.tools.notes.index import Embedder, NoteHit, NoteIndex, index_digest
from medcite.tools.notes.tool import NOTE_TOOL_ARGS, SearchNotesArgs, make_note_tools

__all__ = ["NOTE_TOOL_ARGS", "Embedder", "NoteHit", "NoteIndex", "SearchNotesArgs", "index_digest", "make_note_tools"]
