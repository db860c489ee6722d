"""Static runtime of every generated package.

The modules here are copied verbatim (behind a generated-file header) into `generated/<package>/`. They are ordinary
Python, linted and type-checked with the rest of the repository, and they import each other only relatively.
"""
