"""SPARQL: query text, typed parameters, the stored-question catalogue, engines, results and
their formats."""
