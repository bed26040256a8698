"""Medical multiple-choice QA (MIRAGE schema and PubMedQA's own format), closed-book or with retrieval."""
