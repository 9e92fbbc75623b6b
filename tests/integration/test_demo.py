"""`make demo`, the first thing a new reader runs: the whole script, as the Makefile runs it, in a
fresh folder.  It must finish without the bot logging a single error (the demo exits 1 if it did),
and what it prints must be what happened."""
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[2]


def test_the_demo_runs_clean_and_reports_what_happened(tmp_path):
    run = subprocess.run([sys.executable, "-m", "demo"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=240, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stdout + run.stderr

    transcript = (tmp_path / "demo-output" / "transcript.txt").read_text(encoding="utf-8")
    seen, announced = re.search(r"([\d,]+) messages seen, ([\d,]+) level-ups announced", transcript).groups()
    assert seen == "20,000"
    # the count is the announcements the channel got, which the transcript then quotes
    assert int(announced.replace(",", "")) > 100
    assert "reached **level 1**" in transcript
    cards = sorted((tmp_path / "demo-output").glob("*-card.*"))
    assert len(cards) >= 8
    for card in cards:
        with Image.open(card) as image:
            assert image.size == (800, 392)
