"""Views of the graph for people: entity descriptions, timelines and networkx networks."""
