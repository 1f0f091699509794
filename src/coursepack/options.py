"""Options shared by the build targets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

Paper = Literal["letter", "a4"]
Edition = Literal["student", "instructor"]


@dataclass(frozen=True)
class BuildOptions:
    """How to build: one value object handed to every target."""

    #: Page size of the PDFs.
    paper: Paper = "letter"
    #: The student edition leaves out teaching notes; the instructor edition shows them.
    edition: Edition = "student"
    #: Worker processes for targets that render in parallel (PDFs); 0 means one per core.
    jobs: int = 0
    #: Show progress on long work (only when writing to a terminal).
    progress: bool = False

    @property
    def workers(self) -> int:
        """Return the number of worker processes to use."""
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


def source_date_epoch() -> int | None:
    """Return SOURCE_DATE_EPOCH as an int, or None when it is unset or not a number."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(value) if value.isdigit() else None
