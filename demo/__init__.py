"""Demo data and the simulated year: a development app, installed by the dev and test
settings only (never by production)."""
