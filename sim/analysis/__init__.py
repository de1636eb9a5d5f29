"""Reading a run: the cause tree, waves, metrics and the playbook figures, from the trace alone."""
