from testsupport.fixtures import watch_test_client_responses  # noqa: F401 (fixture)
