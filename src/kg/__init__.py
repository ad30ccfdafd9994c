"""kg: a linked-data knowledge graph of national digital policy.

The package is a library first; the ``kg`` command (``kg.cli``) is a thin shell over it.
Data flows one way: files → store (``kg.graph``) → validate / query / export / link / serve.
"""

__version__ = "0.1.0"
