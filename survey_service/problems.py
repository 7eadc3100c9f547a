"""One exception for input with problems: every problem listed, each naming its line or field."""
from analysis.documents import clip


class ProblemList(ValueError):
    """Bad input: ``problems`` lists each one (``line 7: duplicate code "310101002"``); nothing was changed."""

    def __init__(self, problems: list[str]):
        self.problems = [clip(problem) for problem in problems]
        super().__init__("\n".join(self.problems))
