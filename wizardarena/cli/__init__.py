"""The ``wizardarena`` command line."""
