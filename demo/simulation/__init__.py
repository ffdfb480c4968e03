"""A simulated year of the portal (``manage.py simulate``): see ``year.py``."""
