"""A student-edition site of the test reader (tests/site/reader)."""

extensions = ["coursepack.sphinx"]
project = "A test reader"
html_theme = "furo"
coursepack_root = "../reader"
