"""Studies of many runs: named experiments, arms, ensembles over seeds, sweeps and critical searches."""
