"""The `window` output: a preview window on the desktop (tkinter + Pillow, both already here).

Tk wants every call on the thread that made it, so the window lives on its own thread and shows
the newest frame it has; frames that arrive faster than the screen redraws are skipped.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
from typing import Any

import numpy as np

from bot.events import StageFrame
from bot.output.sink import OutputError, StreamFormat

log = logging.getLogger(__name__)

_POLL_MS = 10


class WindowOutput:
    """Shows frames scaled to at most `max_height` pixels tall; closing the window just stops the preview."""

    name = "window"
    realtime = True

    def __init__(self, max_height: int = 720, title: str = "livebot preview") -> None:
        self.max_height = max_height
        self.title = title
        self._latest: np.ndarray | None = None
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._error: str | None = None
        self._thread: threading.Thread | None = None
        self._size = (0, 0)
        self.frames_received = 0
        self.frames_shown = 0
        self.closed_by_user = False

    def open(self, fmt: StreamFormat) -> None:
        """Start the window thread; OutputError when there is no display to show it on."""
        if self._thread is not None:
            return
        has_display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        if sys.platform.startswith("linux") and not has_display:
            raise OutputError("output window: no display (DISPLAY is not set); "
                              "use a file or `none` on a server")
        scale = min(1.0, self.max_height / fmt.height)
        self._size = (max(1, round(fmt.width * scale)), max(1, round(fmt.height * scale)))
        self._thread = threading.Thread(target=self._run, name="output:window", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)
        if self._error is not None or not self._ready.is_set():
            self._thread.join(timeout=2)
            self._thread = None
            raise OutputError(f"output window: cannot open a window ({self._error or 'timed out'})")

    def _run(self) -> None:
        try:
            import tkinter

            from PIL import Image, ImageTk

            root = tkinter.Tk()
        except Exception as exc:  # noqa: BLE001 - TclError (no display) or tkinter missing
            self._error = str(exc) or type(exc).__name__
            self._ready.set()
            return
        root.title(self.title)
        label = tkinter.Label(root, width=self._size[0], height=self._size[1], bg="black")
        label.pack()
        photo: dict[str, Any] = {}

        def on_close() -> None:
            self.closed_by_user = True
            self._stop.set()

        def tick() -> None:
            if self._stop.is_set():
                root.destroy()
                return
            with self._lock:
                img, self._latest = self._latest, None
            if img is not None:
                pic = Image.fromarray(img)
                if pic.size != self._size:
                    pic = pic.resize(self._size, Image.BILINEAR)
                photo["img"] = ImageTk.PhotoImage(pic)  # keep a reference or Tk shows nothing
                label.configure(image=photo["img"], width=self._size[0], height=self._size[1])
                self.frames_shown += 1
            root.after(_POLL_MS, tick)

        root.protocol("WM_DELETE_WINDOW", on_close)
        root.after(0, tick)
        self._ready.set()
        try:
            root.mainloop()
        finally:
            # Tk objects must die on this thread: drop the cycle (root -> tick -> root) and collect
            # here, or the interpreter is freed later on another thread and Tcl aborts the process.
            photo.clear()
            tick = on_close = label = root = None  # type: ignore[assignment]  # noqa: F841
            gc.collect()

    def write(self, frame: StageFrame) -> None:
        """Hand the newest frame to the window thread (never blocks the caller)."""
        if self._thread is None:
            raise OutputError("output window: write before open")
        self.frames_received += 1
        if self._stop.is_set():
            return
        with self._lock:
            self._latest = frame.image

    def close(self) -> None:
        """Close the window; safe to call twice."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(timeout=5)
