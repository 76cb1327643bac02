"""The cassette file and what guards it: format, interaction view, scrubbing, matching, atomic writes.

- :mod:`.format`: the YAML file (version 1): dump and load, byte-exact bodies;
- :mod:`.events`: streamed bodies, one line per frame, per framing;
- :mod:`.jsonstyle`: the JSON encodings that re-encode to the recorded bytes;
- :mod:`.yamlsafe`: no aliases, bounded nesting (what keeps a load proportional to the file);
- :mod:`.interaction`: the read-only :class:`~.interaction.Interaction` view;
- :mod:`.scrub`: redaction before writing (and before matching) and the leak guard after;
- :mod:`.match`: request matching and the diff shown when nothing matches;
- :mod:`.files`: every file written: all of a test's files through the leak guard, then atomically.

Imports ``streamtest._wire`` (what streams mean), never ``_replay`` or above.
This ``__init__`` imports nothing.
"""
