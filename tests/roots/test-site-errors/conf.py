"""The test reader with a broken anchor: problems become warnings at their file and line."""

extensions = ["coursepack.sphinx"]
project = "A test reader"
html_theme = "furo"
coursepack_root = "../reader"
