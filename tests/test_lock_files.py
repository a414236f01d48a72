"""The lock files install what requirements.txt pins: a pin added without `make lock` would be
missing on every machine that installs from the lock (all of them)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        found = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", line)
        if found:
            pins[found.group(1).lower().replace("_", "-")] = found.group(2)
    return pins


@pytest.mark.parametrize(("wanted", "lock"), [("requirements.txt", "requirements.lock"),
                                              ("requirements-test.txt", "requirements-test.lock")])
def test_every_pin_is_in_its_lock_file_at_the_same_version(wanted, lock):
    locked = _pins(ROOT / lock)
    for name, version in _pins(ROOT / wanted).items():
        assert locked.get(name) == version, f"{name}=={version} is not in {lock}: run `make lock`"
