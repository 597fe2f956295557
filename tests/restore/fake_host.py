"""A stand-in for ``RemoteHost`` in unit tests: answers each template with scripted data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class FakeHost:
    """``answers[template]`` is data to return, an exception to raise, or ``fn(params) -> data``.
    Every call is kept in ``calls`` as ``(template, params)``."""

    def __init__(self, answers: Mapping[str, Any] | None = None) -> None:
        self.answers: dict[str, Any] = dict(answers or {})
        self.calls: list[tuple[str, Any]] = []

    def run(self, template: str, params: Mapping[str, Any] | None = None, *,
            timeout: float | None = None, idempotent: bool = False) -> Any:
        self.calls.append((template, params))
        if template not in self.answers:
            raise AssertionError(f"unexpected remote call {template} {params}")
        answer = self.answers[template]
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(params)
        return answer

    def templates(self) -> list[str]:
        return [t for t, _ in self.calls]
