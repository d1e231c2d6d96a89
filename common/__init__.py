"""The shared library: infrastructure every app uses and no app owns.

Text normal form, e-mail addresses, company numbers, signed links,
uploads and images, private files, templated mail, write-once records,
typing aliases. It imports Django and third-party libraries only, never
an app of this project (an import-linter contract checks it).
"""
