"""One reading of pydantic's errors (applens._validation) for every validated table."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from applens._validation import more_problems, problems
from applens.errors import ConfigError
from applens.notify import notify_config

SRC = Path(__file__).resolve().parents[2] / "src"


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid")
    window: int
    alpha: float = 0.05

    @field_validator("alpha")
    @classmethod
    def _alpha(cls, value: float) -> float:
        if not 0 < value < 1:
            raise ValueError("must lie in (0, 1)")
        return value


def _error(**values) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        _Table(**values)
    return caught.value


def test_unknown_keys_come_first_with_a_hint_and_value_errors_read_plainly():
    found = problems(_error(windw=3, alpha=2.0), prefix=("models", "churn"),
                     known=_Table.model_fields, unknown="is not a model option.")
    assert [p.key for p in found] == ["models.churn.windw", "models.churn.window",
                                      "models.churn.alpha"]
    assert found[0].unknown and found[0].message == (
        "is not a model option. Did you mean 'window'?")
    assert found[2].sentence(with_input=True) == "'models.churn.alpha' must lie in (0, 1) (got 2.0)"
    assert more_problems(found) == " (and 2 more problem(s))" and more_problems(found[:1]) == ""


def test_missing_can_be_reworded_and_a_tag_is_not_part_of_the_key():
    (problem,) = problems(_error(), missing="is required", tag=("window",))
    assert (problem.key, problem.message, problem.kind) == ("", "is required", "missing")
    (plain,) = problems(_error())
    assert plain.sentence() == "'window' Field required"


def test_notify_uses_it():
    with pytest.raises(ConfigError) as caught:
        notify_config({"urlz": ["json://localhost"]}, environ={})
    assert "'notify.urlz' is not a notify setting. Did you mean 'urls'?" in str(caught.value)


def test_no_other_module_reads_pydantic_errors_itself():
    readers = []
    for path in SRC.rglob("*.py"):
        if path.name == "_validation.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "errors" and not node.args and not node.keywords):
                readers.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert readers == []
