"""The ``streamtest`` command: show, draw, lint, diff and import cassettes.

- :mod:`.main`: the argument parser (argparse) and the dispatch; ``--help`` on every subcommand;
- :mod:`.recording`: a cassette file read for the command (any dialect), and what each event was, when;
- :mod:`.output`: plain text, or colour through ``rich`` when it is installed and the output is a terminal;
- :mod:`.config`: the pytest configuration file pytest would read, for the scrub and leak settings;
- :mod:`.show`, :mod:`.timeline`, :mod:`.lint`, :mod:`.diff`, :mod:`.importer`: one subcommand each.

Nothing imports this package but ``streamtest.__main__`` and the console script;
the pytest plugin never does (a test checks it). Subcommand modules are
imported only when their subcommand runs, so ``streamtest --help`` stays fast.
This ``__init__`` imports nothing.
"""
