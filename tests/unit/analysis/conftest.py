from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support import shared_data


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="session")
def cmexam() -> list[dict[str, Any]]:
    return read_jsonl(shared_data("exam/CMExam/cmexam_val_sample300.jsonl"))


@pytest.fixture(scope="session")
def doctor_answers() -> list[dict[str, Any]]:
    return read_jsonl(shared_data("exam/Chinese-medical-dialogue-data_sample/im_qa_sample.jsonl"))
