"""The replica's own fixtures: real ``python -m blogger_replica serve`` subprocesses on 127.0.0.1."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from blogger_replica.launch import Replica, launch

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@pytest.fixture(scope="session")
def replica_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Replica]]:
    """Start replicas with any ``serve`` options; all are stopped at the end of the session."""
    started: list[Replica] = []

    def factory(*args: str) -> Replica:
        replica = launch(args, workdir=tmp_path_factory.mktemp("replica"))
        started.append(replica)
        return replica

    yield factory
    for replica in started:
        replica.stop()


@pytest.fixture(scope="session")
def replica(replica_factory: Callable[..., Replica]) -> Replica:
    """A 60-post classic-theme replica shared by the tests that only read from it."""
    return replica_factory("--posts", "60")
