"""Console source: typed commands become events; bad lines are reported and skipped."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sources_harness import collect

from bot.events import Comment, Follow, Gift, Join, Like, LiveEnded, ProductPinned, Purchase, ViewerCount
from bot.sources.console import ConsoleSource
from bot.sources.eventlog import read_event_log

SCRIPT = """\
áo đỏ giá bao nhiêu vậy shop?
/as lan.nguyen Lan: áo đỏ còn size M không?
/as wei 小伟: 这件多少钱？
/gift lan.nguyen Rose 5
/gift minh
/join an
/follow an
/like an 15
/buy lan.nguyen AO-DO-01 2
/pin AO-DO-01
/viewers 1234
/dance now

/end
/as late: never read
"""


async def test_console_commands_become_events() -> None:
    errors = io.StringIO()
    source = ConsoleSource(stdin=io.StringIO(SCRIPT), errors=errors)
    events = await collect(source, timeout=10)
    types = [type(e) for e in events]
    assert types == [Comment, Comment, Comment, Gift, Join, Follow, Like, Purchase, ProductPinned,
                     ViewerCount, LiveEnded]
    plain, lan, wei, gift, *_ = events
    assert plain.user.id == "console" and plain.text == "áo đỏ giá bao nhiêu vậy shop?"
    assert (lan.user.id, lan.user.nickname, lan.text) == ("lan.nguyen", "Lan", "áo đỏ còn size M không?")
    assert (wei.user.nickname, wei.text) == ("小伟", "这件多少钱？")
    assert gift.user.nickname == "Lan"  # remembered from the /as line
    assert (gift.gift.name, gift.gift.count, gift.streak_end) == ("Rose", 5, True)
    assert events[6].count == 15 and events[7].sku == "AO-DO-01" and events[7].quantity == 2
    assert events[9].count == 1234
    assert [p[0] for p in source.problems] == [5, 12]  # /gift without a gift name, unknown /dance
    assert "console line 5: use /gift HANDLE GIFT [COUNT]" in errors.getvalue()
    assert "unknown command /dance" in errors.getvalue()


async def test_console_ends_at_end_of_input_without_live_end() -> None:
    source = ConsoleSource(stdin=io.StringIO("một\nhai\n"), errors=io.StringIO())
    events = await collect(source, timeout=10)
    assert [e.text for e in events] == ["một", "hai"]


def test_record_console_from_a_pipe_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    out = tmp_path / "rehearsal.jsonl"
    code = "import sys; from pathlib import Path; from bot.cli.record_cmd import record_command; " \
           "record_command('console', Path(sys.argv[1]))"
    proc = subprocess.Popen([sys.executable, "-c", code, str(out)], stdin=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2],
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert proc.stdin is not None
    proc.stdin.write("/as lan Lan: áo đỏ bao nhiêu?\n/gift minh Rose 3\n".encode())
    proc.stdin.flush()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not out.exists() or len(out.read_text("utf-8").splitlines()) < 2):
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)  # stdin stays open: only the signal can stop it
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    events = list(read_event_log(out))
    assert [type(e) for e in events] == [Comment, Gift]
    assert events[0].text == "áo đỏ bao nhiêu?" and events[1].gift.count == 3
    assert "recorded 2 events" in err.decode()
