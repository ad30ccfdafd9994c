"""Stage 4, documents + open data → links: the shared model of entities and matches
(:mod:`.model`), one reader per external source (:mod:`.sources`), the RDF written
(:mod:`.build`), the fact-by-fact comparison (:mod:`.crosscheck`), and the run that ties them
together (:mod:`.run`)."""
