"""A room's photoreal avatar whose faces come from the shared lip-sync renderer, with its sprite as the fallback.

The stage asks frame after frame of the room's own timeline. Frame k of a sentence is paired with mel
window k, as in the in-process renderer; requests go out a batch or two ahead so the renderer works
while the room blends. Live, a face that is not back within `reply_wait_s` of its frame is dropped and
that frame shows the clip's own mouth (a stale face at another frame's box would jump); with `--fast`
the room waits up to `dead_after_s`. When the renderer is gone (refused, closed, silent) the room logs
one warning, shows its sprite avatar, and tries again every `reconnect_s` in the background.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from bot.avatar.avatar_spec import parse_sprite_spec, read_toml
from bot.avatar.photoreal.avatar_folder import PreparedAvatar, load_prepared
from bot.avatar.photoreal.errors import PhotorealError
from bot.avatar.photoreal.lip_sync_client import LipSyncClient, RendererGone
from bot.avatar.photoreal.lip_sync_wire import FaceReply, SharedLipSyncLink
from bot.avatar.photoreal.mel import mel_window
from bot.avatar.photoreal.photoreal_renderer import PhotorealAvatar, _SegmentCache, checkpoint_of
from bot.avatar.render_contract import AvatarRenderer, AvatarState
from bot.avatar.sprite import SpriteAvatar
from bot.paths import DEFAULT_AVATAR_DIR

logger = logging.getLogger(__name__)


class SharedPhotorealAvatar(PhotorealAvatar):
    """AvatarRenderer: the prepared clip, mouths from the shared renderer, the sprite while it is gone."""

    def __init__(self, prepared: PreparedAvatar, link: SharedLipSyncLink, fallback: AvatarRenderer, *,
                 width: int, height: int, fps: int, checkpoint: Path | None = None, batch: int = 8) -> None:
        super().__init__(prepared, None, width=width, height=height, fps=fps, batch=batch)
        self.link = link
        self.fallback = fallback
        self.checkpoint = str(checkpoint.resolve()) if checkpoint is not None else None
        self.key = f"{prepared.folder.resolve()}@{width}x{height}"
        self.shared_faces = 0  # faces received and shown
        self.late_frames = 0  # spoken frames shown with the clip's own mouth (late, expired, shed)
        self.sprite_frames = 0  # frames drawn by the sprite while the renderer was gone
        self.warnings = 0
        self._client: LipSyncClient | None = None
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._connector: threading.Thread | None = None
        self._on_sprite = False
        self._seen: _SegmentCache | None = None
        self._tickets: dict[int, tuple[int, np.ndarray]] = {}  # ticket -> (first segment frame, loop ids)
        self._requested_until = 0  # segment frames below this are asked for (in the current run)
        self._first_try = threading.Event()
        self._reconnect_now()
        # At load, wait for the first attempt: rooms usually start with the renderer already up.
        self._first_try.wait(self.link.settings.dead_after_s)

    # -- connection -------------------------------------------------------------------------------
    def _reconnect_now(self) -> None:
        with self._lock:
            if self._connector is not None and self._connector.is_alive() or self._closed.is_set():
                return
            self._connector = threading.Thread(target=self._connect_loop, name=f"lipsync-connect-{self.link.room}",
                                               daemon=True)
            self._connector.start()

    def _connect_loop(self) -> None:
        first = True
        while not self._closed.is_set():
            client = LipSyncClient(self.link.address, self.link.authkey, self.link.room,
                                   answer_timeout_s=self.link.settings.dead_after_s)
            try:
                welcome = client.connect()
                if self.checkpoint is not None and welcome.checkpoint and welcome.checkpoint != self.checkpoint:
                    client.close()
                    self._gone(f"it runs {welcome.checkpoint}, this avatar names {self.checkpoint}")
                    self._first_try.set()
                    return  # another model will not turn into ours: no retry
                self.batch = min(self.batch, welcome.max_batch)
                client.register(self.key, self.prepared.crops)
            except RendererGone as exc:
                if first:
                    self._gone(str(exc))
                    self._first_try.set()
                first = False
                if self._closed.wait(self.link.settings.reconnect_s):
                    return
                continue
            with self._lock:
                self._client = client
                back = self.warnings > 0
            self._first_try.set()
            if back:
                logger.info("room %s: shared lip-sync renderer at %s is back; photoreal again",
                            self.link.room, self.link.address)
            return

    def _gone(self, reason: str) -> None:
        """Drop the link; warn once per outage; the connector keeps trying (unless the model differs)."""
        with self._lock:
            client, self._client = self._client, None
            warn = not self._on_sprite
            self._on_sprite = True
        if client is not None:
            client.close()
        self._tickets.clear()
        self._requested_until = 0
        if warn:
            self.warnings += 1
            logger.warning("room %s: shared lip-sync renderer at %s is gone (%s); showing the sprite avatar "
                           "until it is back", self.link.room, self.link.address, reason)

    def close(self) -> None:
        """Stop reconnecting and close the link (end of the show)."""
        self._closed.set()
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    # -- faces ------------------------------------------------------------------------------------
    def face_for(self, state: AvatarState, seg_frame: int, loop_idx: int) -> np.ndarray | None:
        client = self._client
        if client is None:
            return None
        cache = self._cache_for(state.segment)  # type: ignore[arg-type]
        if cache is not self._seen:  # a new sentence: what was asked for the last one is of no use
            client.forget(set(self._tickets))
            self._tickets.clear()
            self._seen, self._requested_until = cache, seg_frame
        hit = cache.faces.get(seg_frame)
        if hit is not None and hit[0] == loop_idx:
            return hit[1]
        if not any(first <= seg_frame < first + len(ids) for first, ids in self._tickets.values()):
            self._requested_until = seg_frame  # a jump (frames skipped): ask from here
        try:
            self._ask_ahead(client, state, seg_frame, cache)
            ticket = next(t for t, (first, ids) in self._tickets.items() if first <= seg_frame < first + len(ids))
            settings = self.link.settings
            reply = client.wait(ticket, settings.reply_wait_s if self.link.realtime else settings.dead_after_s)
        except RendererGone as exc:
            self._gone(str(exc))
            self._reconnect_now()
            return None
        if reply is None:
            if not self.link.realtime:  # --fast has no deadline: silence this long means the renderer hangs
                self._gone(f"no face within {self.link.settings.dead_after_s:g} s")
                self._reconnect_now()
                return None
            self.late_frames += 1
            return None
        self._take(reply, cache)
        hit = cache.faces.get(seg_frame)
        if hit is None or hit[0] != loop_idx:
            self.late_frames += 1
            return None
        return hit[1]

    def _ask_ahead(self, client: LipSyncClient, state: AvatarState, seg_frame: int, cache: _SegmentCache) -> None:
        """Keep about two batches of this sentence's next frames in flight."""
        while self._requested_until < min(cache.frame_count, seg_frame + 2 * self.batch):
            first = self._requested_until
            frames = range(first, min(first + self.batch, cache.frame_count))
            loop_ids = np.array([self.prepared.loop_index(state.frame_index + j - seg_frame) for j in frames])
            mels = np.stack([mel_window(cache.mel, j, self.fps) for j in frames])
            # Live, the answer is useful until its first frame is due (plus the wait a frame allows).
            budget = (first - seg_frame) / self.fps + self.link.settings.reply_wait_s if self.link.realtime else None
            ticket = client.request(self.key, loop_ids, mels, budget)
            self._tickets[ticket] = (first, loop_ids)
            self._requested_until = frames.stop

    def _take(self, reply: FaceReply, cache: _SegmentCache) -> None:
        first, loop_ids = self._tickets.pop(reply.ticket, (0, np.zeros(0, dtype=np.int64)))
        if reply.status != "ok" or reply.faces is None:
            if reply.status == "unknown-avatar":
                logger.warning("room %s: the shared renderer does not know avatar %s", self.link.room, self.key)
            return
        for j, (loop_idx, face) in enumerate(zip(loop_ids.tolist(), reply.faces, strict=True)):
            cache.faces[first + j] = (loop_idx, face)
        self.shared_faces += len(reply.faces)
        self.generated_frames += len(reply.faces)
        if len(cache.faces) > 4 * self.batch:  # frames behind the stage are never shown again
            for j in [j for j in cache.faces if j < first - self.batch]:
                del cache.faces[j]

    # -- AvatarRenderer ---------------------------------------------------------------------------
    def render(self, state: AvatarState) -> np.ndarray:
        if self._client is not None and not self._client.alive:
            self._gone(self._client.gone_reason)
        if self._client is None:
            self._reconnect_now()
            self.sprite_frames += 1
            return self.fallback.render(state)
        image = super().render(state)
        if self._client is None:  # lost while this frame waited: the sprite draws it, no gap
            self.sprite_frames += 1
            return self.fallback.render(state)
        self._on_sprite = False
        return image

    def viseme_at(self, state: AvatarState) -> str:
        return self.fallback.viseme_at(state) if self._client is None else super().viseme_at(state)

    def renderer_stats(self) -> object | None:
        """The shared renderer's counters as this room sees them (None when gone)."""
        client = self._client
        try:
            return client.stats() if client is not None else None
        except RendererGone:
            return None


def fallback_sprite(folder: Path, link: SharedLipSyncLink, settings: dict[str, object], width: int, height: int,
                    fps: int) -> SpriteAvatar:
    """The sprite shown while the renderer is gone: avatar.toml's fallback_avatar, the settings', or the bundled."""
    named = settings.get("fallback_avatar")
    sprite_dir = (folder / str(named)) if named else (link.settings.fallback_avatar or DEFAULT_AVATAR_DIR)
    data = read_toml(Path(sprite_dir) / "avatar.toml")
    if data.get("kind", "sprite") != "sprite":
        raise PhotorealError(f"{Path(sprite_dir) / 'avatar.toml'}: the fallback avatar must be a sprite avatar")
    return SpriteAvatar(parse_sprite_spec(Path(sprite_dir), data), width=width, height=height, fps=fps)


def connect_shared_photoreal(folder: Path, width: int, height: int, fps: int,
                             link: SharedLipSyncLink) -> SharedPhotorealAvatar:
    """The room's photoreal avatar served by the shared renderer: no torch, no model in this process."""
    folder = Path(folder)
    prepared = load_prepared(folder, width, height)
    if prepared.fps != fps:
        logger.warning("avatar %s was prepared at %d fps, stage runs %d fps", folder, prepared.fps, fps)
    checkpoint = checkpoint_of(folder, prepared.settings) if "checkpoint" in prepared.settings else None
    sprite = fallback_sprite(folder, link, prepared.settings, width, height, fps)
    return SharedPhotorealAvatar(prepared, link, sprite, width=width, height=height, fps=fps, checkpoint=checkpoint,
                                 batch=int(prepared.settings.get("batch", 8)))
