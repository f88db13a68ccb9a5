"""The served endpoint: policy, worker pool, content negotiation, routes and pages."""
