"""Bare-metal recovery (issue 6): plan and validate a BMR scenario, render the WinPE automation.

``plan.py`` turns a ``method: bmr`` scenario into a :class:`~harness.bmr.plan.BmrPlan` and refuses
what cannot work before anything is created; ``automation.py`` renders the WinPE ``run.cmd`` and
its parameters file (the only way values reach WinPE). The flow itself is
``harness.restore.bmr``.
"""
