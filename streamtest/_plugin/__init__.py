"""The pytest side, below the ``streamtest.plugin`` entry point.

- :mod:`.paths`: where a test's cassette (and what sits beside it) lives;
- :mod:`.golden`: readable ``==`` failures and golden transcript files (a pytest plugin
  module that ``streamtest.plugin`` registers).

This ``__init__`` imports nothing.
"""
