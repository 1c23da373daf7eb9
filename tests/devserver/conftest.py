from testsupport.fixtures import (  # noqa: F401 (fixtures)
    app,
    client,
    server,
    settings,
    watch_test_client_responses,
)
