"""Stage 3, store → findings: the SHACL engine (:mod:`.shacl`) and the report that joins its
results with the data-quality checks of ``queries/checks/`` (:mod:`.report`)."""
