"""restore-harness: restore tests for Windows/Hyper-V backups (docs/architecture.md).

PYTEST_DONT_REWRITE: the ``restore-harness`` command imports this package before it starts pytest,
so pytest could no longer rewrite it when it marks its plugin's package for assertion rewriting
(which it does once the editable install puts the project folder on ``sys.path``); this marker tells
pytest to leave the package module alone instead of warning that it was imported first.
"""
