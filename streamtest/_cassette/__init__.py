"""The cassette file and what guards it: format, interaction view, scrubbing, matching, atomic writes.

- :mod:`.format`: the YAML file (version 1): dump and load, byte-exact bodies;
- :mod:`.events`: streamed bodies, one line per frame, per framing (``CODECS``, and the SSE block);
- :mod:`.ndjson_codec`, :mod:`.eventstream_codec`: the NDJSON and AWS event-stream blocks;
- :mod:`.jsonstyle`: the JSON encodings that re-encode to the recorded bytes;
- :mod:`.yamlsafe`: no aliases, bounded nesting (what keeps a load proportional to the file);
- :mod:`.blockyaml`: the YAML the dumper writes, read without libyaml (anything else goes to libyaml);
- :mod:`.httptoken`: what a recorded method must be (both loaders);
- :mod:`.interaction`: the read-only :class:`~.interaction.Interaction` view;
- :mod:`.foreign`: other tools' cassettes (vcrpy, pytest-recording, cassetter), read into the loader's form;
- :mod:`.stamp`: ``recorded_at`` and maximum ages (a leaf);
- :mod:`.scrub`: redaction before writing (and before matching) and the leak guard after;
- :mod:`.match`: request matching and the diff shown when nothing matches;
- :mod:`.files`: every file written: all of a test's files through the leak guard, then atomically;
  and which names are cassettes, golden transcripts and temporary files.

Imports ``streamtest._wire`` (what streams mean), never ``_replay`` or above.
This ``__init__`` imports nothing.
"""
