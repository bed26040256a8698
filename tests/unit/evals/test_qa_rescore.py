from pathlib import Path

from medcite.evals.qa.datasets import QAItem
from medcite.evals.qa.run import QARun, rescore
from medcite.evals.results_log import ResultLog

YN = {"A": "yes", "B": "no"}
ITEMS = [QAItem(dataset="bioasq", qid=str(i), question="Q?", options=YN, answer="B") for i in range(3)]
ECHO = 'The correct answer is (B).\nWrite the answer in the form "Final Answer: X"'


def test_rescore_reads_stored_replies_again_without_touching_others(tmp_path: Path) -> None:
    run = QARun(name="r", out_dir=tmp_path)
    log = ResultLog(run.results_path)
    stale = {"extracted": None, "method": "final_answer_unreadable", "parsed": False, "correct": False, "gold": "B"}
    log.append({"key": "bioasq/0", "hash": "h", "raw_output": ECHO, **stale})
    log.append({"key": "bioasq/1", "hash": "h", "raw_output": "Final Answer: A", **stale})
    log.append({"key": "other/9", "hash": "h", "raw_output": "Final Answer: B", **stale})

    assert rescore(ITEMS, run) == 2
    records = {r["key"]: r for r in ResultLog(run.results_path).records()}
    assert records["bioasq/0"]["extracted"] == "B" and records["bioasq/0"]["correct"] is True
    assert records["bioasq/0"]["method"] == "answer_phrase"
    assert records["bioasq/1"]["extracted"] == "A" and records["bioasq/1"]["correct"] is False
    assert records["other/9"]["extracted"] is None  # not among the items: left as it was
    assert ResultLog(run.results_path).is_done("bioasq/0", "h")  # still counts as done
    assert not run.results_path.with_name("r.jsonl.tmp").exists()
    assert rescore(ITEMS, run) == 0
