"""Resume screening core: reading files with outcomes (``files``), the entity model (``ner``),
field extraction (``extract``) and the demo resume generator (``generate``). No database here."""
