"""SHACL Core (a documented subset) evaluated as SPARQL on the Oxigraph store, with pyshacl as
the reference engine. The public names are re-exported here so callers do not depend on how
the package is split into modules."""

from kg.validation.shacl.engine import (
    INFO,
    SEVERITY_ORDER,
    SH,
    VIOLATION,
    WARNING,
    XSD,
    ResultPath,
    ShaclDiff,
    ShaclEngine,
    ShapesGraph,
    ValidationResult,
    compare_with_pyshacl,
    diff_results,
    sh,
    shape_name,
    validate_store,
    validate_with_pyshacl,
)

__all__ = [
    "INFO",
    "SEVERITY_ORDER",
    "SH",
    "VIOLATION",
    "WARNING",
    "XSD",
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
