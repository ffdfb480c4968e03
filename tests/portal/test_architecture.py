"""The map of the apps (docs/architecture.md) is the code's: drawn from its imports, no
import cycle between modules, and the import contracts hold."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "architecture.py"


def _run(*args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_the_picture_in_docs_is_drawn_from_todays_imports():
    result = _run("--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_imports_itself_through_others():
    result = _run("--cycles")
    assert result.returncode == 0, f"import cycles:\n{result.stdout}{result.stderr}"


def test_the_picture_shows_the_layers_in_order():
    text = (ROOT / "docs" / "architecture.md").read_text()
    # A few arrows that must be there, and ones that must never be.
    assert "declarations_intake --> declarations_people" in text
    assert "declarations_people --> declarations_dossiers" in text
    assert "declarations_dossiers --> declarations_employers" in text
    assert "closure_sync --> central" not in text
    assert "core --> " not in text
