"""Stage 2, store → answers: the SPARQL lexer (:mod:`.lexer`), checking and refusing a query
and running it (:mod:`.prepare`), the canned-query catalogue (:mod:`.catalogue`), result
formats (:mod:`.results`) and the client of remote SPARQL stores (:mod:`.remote`)."""
