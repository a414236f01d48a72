"""The lock files install exactly what requirements*.txt pin (`make lock` after changing a pin)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _pins(path: Path) -> dict[str, str]:
    found = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\\\]+)", path.read_text(), flags=re.MULTILINE)
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in found}


@pytest.mark.parametrize("pinned, lock", [("requirements.txt", "requirements.lock"),
                                          ("requirements-test.txt", "requirements-test.lock")])
def test_every_pin_is_locked_with_its_hashes(pinned, lock):
    wanted, locked = _pins(ROOT / pinned), _pins(ROOT / lock)
    if pinned == "requirements-test.txt":
        wanted |= _pins(ROOT / "requirements.txt")
    assert {name: locked.get(name) for name in wanted} == wanted, f"run `make lock`: {lock} differs from {pinned}"
    packages = [block for block in re.split(r"\n(?=\S)", (ROOT / lock).read_text()) if "==" in block]
    assert packages and all("--hash=sha256:" in block for block in packages)
