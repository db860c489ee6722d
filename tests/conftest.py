"""The offline suite's collection: the example user project is a project of its own (its tests run in a subprocess,
`tests/reference_server/test_pytest_plugin.py` and `tests/test_packaging.py`)."""

collect_ignore = ["example_user_project"]
