"""Sources: where room events come in (replay, console, TikTok, Douyin)."""
