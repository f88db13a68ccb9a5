"""Importing tables: CSVW table descriptions read row by row, and SPARQL mappings into the graph."""
