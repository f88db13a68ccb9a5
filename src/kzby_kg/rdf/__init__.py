"""RDF in and out: namespaces, terms, CURIEs, literals, loading files into a store, writing
graphs, and the cached store. Everything else builds on this layer."""
