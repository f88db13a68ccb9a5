"""Validation: the SHACL report, pyshacl (the reference) and the shapes compiled to SPARQL."""
