"""Stage 4, documents + open data → links: the shared model of entities and matches
(:mod:`.model`), one module per external source implementing one contract, found through a
registry (:mod:`.sources`), the matching (:mod:`.matching`), the RDF written (:mod:`.rdf`,
:mod:`.build`), the fact-by-fact comparison (:mod:`.crosscheck`), and the run that ties them
together (:mod:`.run`)."""
