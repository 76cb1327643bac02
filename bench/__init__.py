"""streamtest's benchmarks: ``python -m bench`` (from the repo root) prints the table.

Each row runs its contenders side by side, interleaved round by round on
the same machine in the same process (or the same pytest run), and reports
ratios of medians; absolute times are printed as context only. Nothing here
asserts on time: the table is read by people (see CONTRIBUTING.md).

Layout: ``__main__`` (CLI, table), ``_context`` (what every row gets),
``_timing`` (interleaving, medians), ``_table`` (rendering), ``_streams``
(the recorded source stream, the cassettes built from it, the in-memory HTTP
floor; each tool's cassettes), ``_apps`` (the seed's graphs, sync and async,
and their in-memory floors), ``_loopback`` (a paced SSE server), ``_profile``
(pyinstrument time by package), ``_memory`` (one tool's peak memory, run in a
process of its own), one module per kind of row: ``_replay`` (1, 2, 9, 10),
``_suites`` (3, 7, 8), ``_scale`` (4), ``_ttft`` (5), ``_properties`` (6).
"""
