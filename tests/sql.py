"""Counting SQL statements: an N+1 shows up as a failing count, not as a slow page."""

from __future__ import annotations


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, sql: str) -> None:
        self.statements.append(sql)

    def reset(self) -> None:
        self.statements.clear()

    @property
    def count(self) -> int:
        return len(self.statements)
