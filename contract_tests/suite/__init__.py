"""The tests, one file per area (each declares it with `pytest.mark.area`), their `conftest` and `suite.ini`."""
