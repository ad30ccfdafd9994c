"""Growing the graph: a new document drafted into cited Turtle that a person reviews.

:mod:`.document` reads and checks a document, :mod:`.cite` finds a quote's span,
:mod:`.gazetteer` and :mod:`.rules` find mentions and propose facts, :mod:`.drafting` puts a
draft together, :mod:`.review` accepts, edits or rejects its proposals, :mod:`.diff` compares
two versions of the data and :mod:`.evaluate` scores a draft against hand-encoded facts."""
