"""The restore engine: a run that plans, preflights, restores, records and tears down, usable from
the CLI and from pytest alike (the pytest plugin, harness/plugin.py, only maps it onto fixtures).

Modules: ``run`` (the :class:`~harness.engine.run.Run` and :func:`~harness.engine.run.open_run`),
``lab`` (host connections, simulated labs through harness/labs.py), ``host_facts``, ``once``
(thread-safe do-once caches). Kept free of imports here so that ``harness.engine.lab`` can be used
by ``cleanup`` and ``doctor`` without loading the whole engine.
"""
