"""Focused tests: pick the tests that matter for a hotfix, and run them.

discover  the test suite as files and ids, without running pytest
imports   the static import graph of the Python files
testmap   the per-test coverage map of a base commit (build, load, look up)
impact    which tests run the changed lines, per the map, with fallbacks for import-time code
select    the selection: critical set, changed tests, impacted tests, or the whole suite
run       running the selection (pytest or the configured test command) with a timeout
"""
