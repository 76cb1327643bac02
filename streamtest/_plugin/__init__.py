"""The pytest side, below the ``streamtest.plugin`` entry point.

- :mod:`.paths`: where a test's cassette (and what sits beside it) lives;
- :mod:`.golden`: readable ``==`` failures and golden transcript files (a pytest plugin
  module that ``streamtest.plugin`` registers);
- :mod:`.report`: the end-of-run summary and ``--streamtest-unused`` (a plugin module too);
- :mod:`.notes`: how fixtures tell the summary what they did (through ``user_properties``);
- :mod:`.expiry`: ``streamtest_max_age`` and ``streamtest_on_expiry`` (a plugin module too).

This ``__init__`` imports nothing.
"""
