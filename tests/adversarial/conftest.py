from __future__ import annotations

from pathlib import Path

import pytest

from tests.adversarial.arena import Arena


@pytest.fixture(scope="session")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Arena:
    """One repository per worker; every case runs on its own branch and leaves `main` as it was."""
    return Arena.build(Path(tmp_path_factory.mktemp("arena")))
