"""One exception for input with problems: every problem listed, each naming its line or field."""


class ProblemList(ValueError):
    """Bad input: ``problems`` lists each one (``line 7: duplicate code "310101002"``); nothing was changed."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = list(problems)
