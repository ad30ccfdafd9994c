"""SHACL Core (a documented subset) evaluated as SPARQL on the Oxigraph store, with pyshacl as
the reference engine. The package is split as the SHACL specification is:

* :mod:`.model` — results, paths, severities, the shape and constraint records;
* :mod:`.shapes` — reading the shapes graph (shapes, targets, property paths);
* :mod:`.components` — ONE registry of constraint components (parameter, reader, query
  builder, default message for each);
* :mod:`.engine` — compiling shapes into SPARQL and running it (:class:`ShaclEngine`);
* :mod:`.reference` — the pyshacl bridge and the differential comparison.

The public names are re-exported here so callers do not depend on how the package is split.
"""

from kg.validation.shacl.components import REGISTRY, Component, Registry
from kg.validation.shacl.engine import ShaclEngine, validate_store
from kg.validation.shacl.model import (
    INFO,
    SEVERITY_ORDER,
    SH,
    VIOLATION,
    WARNING,
    XSD,
    ResultPath,
    ValidationResult,
    sh,
    shape_name,
)
from kg.validation.shacl.reference import (
    ShaclDiff,
    compare_with_pyshacl,
    diff_results,
    validate_with_pyshacl,
)
from kg.validation.shacl.shapes import ShapesGraph

__all__ = [
    "INFO",
    "REGISTRY",
    "SEVERITY_ORDER",
    "SH",
    "VIOLATION",
    "WARNING",
    "XSD",
    "Component",
    "Registry",
    "ResultPath",
    "ShaclDiff",
    "ShaclEngine",
    "ShapesGraph",
    "ValidationResult",
    "compare_with_pyshacl",
    "diff_results",
    "sh",
    "shape_name",
    "validate_store",
    "validate_with_pyshacl",
]
