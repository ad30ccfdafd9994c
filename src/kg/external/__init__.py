"""Readers of the external open-data files that ``kg link`` matches our entities with.

One module per source format, each returning plain records (never RDF of ours): the
Publications Office authority table (RDF/XML, :mod:`.op`), the Natural Earth countries table
(CSV, :mod:`.naturalearth`), GeoNames' country info (TSV, :mod:`.geonames`), the SKOS country
linkset (Turtle, :mod:`.gsq`) and the EU member-state table (CSV, :mod:`.eums`). What each file
is, where it comes from and under which licence is read from ``SOURCES.md`` beside the files
(:mod:`.sources`), so that the provenance kg writes is the folder's own, not typed again here.

Every reader raises :class:`kg.errors.InputError` naming the file, the line and the field when
a file is missing or malformed, before anything is written.
"""
