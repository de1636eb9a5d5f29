"""``perpsim report RUN``: one self-contained HTML page of a run (see ``sim.report.page``)."""
