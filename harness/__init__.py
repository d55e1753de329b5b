"""Real server processes for the load tool (`bench/`) and the end-to-end and reliability
tests (`tests/`): free ports, readiness, stop, logs, a private Redis (`servers.py`), a
`Stack` (`stack.py`), and the Procfile's web options (`procfile.py`). It imports nothing
of ours.
"""
