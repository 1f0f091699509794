"""The instructor edition of the test reader: teaching notes are shown."""

extensions = ["coursepack.sphinx"]
project = "A test reader"
html_theme = "furo"
coursepack_root = "../reader"
coursepack_edition = "instructor"
