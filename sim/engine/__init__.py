"""One world: the node-kind registry, building a world from its config, running and checking it."""
