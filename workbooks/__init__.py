"""Sample programmes: published source tables, their configs and imported masters."""
