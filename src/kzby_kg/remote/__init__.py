"""Remote SPARQL servers: querying an endpoint, and pushing the graph into one."""
