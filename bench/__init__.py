"""Pendulum's benchmarks: `uv run python -m bench` (see docs/BENCHMARKS.md).

Also the shared set-up of the fault tests (a large emulated workspace, a seeded database,
what the app did): bench/workspace.py and bench/observe.py.
"""
