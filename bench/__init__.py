"""The province-scale benchmark (``lianping bench``, ``make bench``) and its data generator."""
