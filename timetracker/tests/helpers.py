from pathlib import Path

# Screenshots for review (and of failures) land here; ignored by git.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
