"""kg: a linked-data knowledge graph of national digital policy.

The package is a library first; the ``kg`` command (``kg.cli``) is a thin shell over it.
Data flows one way, stage by stage: files → ``kg.load`` (store) → ``kg.sparql`` →
``kg.validation`` / ``kg.export`` → ``kg.linking`` → ``kg.publish`` → ``kg.server`` → ``kg.cli``.
"""

__version__ = "0.1.0"
