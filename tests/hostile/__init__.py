"""The tests' own hostile web server: a small Blogger blog plus one misbehaviour at a time (see server.py)."""
