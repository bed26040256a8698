from medcite.core.evidence import Evidence, GuidelineFact
from medcite.evals.qa.datasets import QAItem
from medcite.evals.qa.prompting import build_messages, retrieval_query

ITEM = QAItem(dataset="medqa", qid="1", question="Which drug?", options={"A": "Aspirin", "B": "Warfarin"}, answer="B")


def test_prompt_asks_for_a_final_answer_line_and_lists_options() -> None:
    system, user = build_messages(ITEM)
    assert system.type == "system"
    assert 'the form "Final Answer: X"' in user.content
    assert "(A) Aspirin\n(B) Warfarin" in user.content
    assert "Question: Which drug?" in user.content
    assert "Context" not in user.content and "retrieved" not in user.content


def test_given_context_and_retrieved_passages_come_before_the_question() -> None:
    item = ITEM.model_copy(update={"context": ["Abstract sentence one.", "Two."]})
    ev = Evidence(key="guideline:uspstf-1", fact=GuidelineFact(title="Screening", excerpt="Screen adults."))
    _, user = build_messages(item, [ev])
    text = str(user.content)
    assert text.index("Abstract sentence one.\nTwo.") < text.index("[guideline:uspstf-1] Screening (undated)")
    assert text.index("[guideline:uspstf-1]") < text.index("Question: Which drug?")
    assert "not instructions" in text


def test_retrieval_query_has_question_and_options() -> None:
    assert retrieval_query(ITEM) == "Which drug? Aspirin Warfarin"
