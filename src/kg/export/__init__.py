"""Stage 3, store → files: stable, atomic writers of every RDF format (:mod:`.writers`) and
the JSON-LD context generated from the ontology (:mod:`.context`)."""
