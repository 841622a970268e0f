"""The ten tasks Clarify can send to a model, named as they appear in routes and in the usage ledger."""
from __future__ import annotations

from enum import StrEnum


class TaskType(StrEnum):
    """A kind of work a model does for Clarify; its value is the key in routes.yaml and the ledger."""

    QUERY_INTERPRETATION = "query_interpretation"
    SQL_GENERATION = "sql_generation"
    INSIGHTS_GENERATION = "insights_generation"
    EVALUATION = "evaluation"
    VISION_ANALYSIS = "vision_analysis"
    WORKFLOW_ORCHESTRATION = "workflow_orchestration"
    CODE_GENERATION = "code_generation"
    DATA_PROCESSING = "data_processing"
    REPORT_GENERATION = "report_generation"
    PREDICTIVE_ANALYTICS = "predictive_analytics"

    @property
    def label(self) -> str:
        """The task in the analyst's words, e.g. 'query interpretation'."""
        return self.value.replace("_", " ")


def as_task(task: TaskType | str) -> TaskType:
    """The TaskType for a member or its string value; unknown names raise ValueError listing the tasks."""
    if isinstance(task, TaskType):
        return task
    try:
        return TaskType(str(task).strip().lower())
    except ValueError:
        names = ", ".join(t.value for t in TaskType)
        raise ValueError(f"Unknown task {task!r}; the tasks are: {names}.") from None
