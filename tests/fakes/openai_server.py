"""A real OpenAI-compatible HTTP server on 127.0.0.1 (aiohttp, own thread, OS-assigned port).

`POST /v1/chat/completions` streams Server-Sent Events like the OpenAI API: role chunk, content or
tool-call deltas, finish chunk, optional usage chunk (`choices: []`), `[DONE]`. Modes:

- `correct`: answers from the catalog facts in the prompt (or calls a tool first when the prompt has
  no facts, and `pin_product` when the viewer asks to see/pin a product), then quotes the tool result;
- `hallucinating`: states wrong prices, a fake discount and a fake voucher code;
- `slow`: waits `slow_s` before the first byte, then answers like `correct`;
- `http500`: an HTTP 500 error;
- `malformed`: one good chunk, then broken JSON and a dropped connection.

`ttft_s` delays the first content/tool chunk (after the headers); `chunk_delay_s` paces the rest.
Every request body is recorded in `requests`, with server-side timings in `timings`.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_FACT_LINE = re.compile(
    r"^- \[(?P<sku>[^\]]+)\] (?P<name>[^|]+?) \| price: (?P<price>[^|]+?)(?: \| list price: (?P<list>[^|]+?))?(?: \||$)",
    re.MULTILINE)
_PIN_WORDS = re.compile(r"(?i)\bghim\b|\bpin\b|置顶|上架|\bshow me\b|cho xem")
_PROMO_WORDS = re.compile(r"(?i)khuyến mãi|\bpromotions?\b|\bdeals?\b|优惠|活动")

_ANSWER = {
    "vi": "Dạ {name} đang có giá {price} ạ. Bạn đặt ở giỏ hàng vàng nha!",
    "zh": "{name}现在{price}哦。喜欢就赶紧下单吧！",
    "en": "The {name} is {price} right now. Grab it from the yellow basket!",
}
_PINNED = {
    "vi": "Dạ shop ghim {name} lên giỏ rồi nha. Giá {price} ạ.",
    "zh": "{name}已经置顶啦。价格{price}哦。",
    "en": "I pinned the {name} for you. It is {price}.",
}
_NOTHING = {
    "vi": "Dạ shop chưa có mẫu này ạ.",
    "zh": "这个暂时没有哦。",
    "en": "We don't have that one, sorry.",
}
_HALLUCINATED = {
    "vi": "Dạ {name} hôm nay chỉ 99.000đ thôi ạ! Giảm 70% luôn nha. Nhập mã FREESHIP99 nữa nè. Chốt đơn liền nha!",
    "zh": "{name}今天只要¥9.9！全场打三折哦。输入优惠码VIP888再减。快下单吧！",
    "en": "The {name} is only $1 today! That's 90% off. Use code FREE100 at checkout. Order now!",
}


def _lang_of(system: str) -> str:
    if "Vietnamese" in system:
        return "vi"
    if "Chinese" in system:
        return "zh"
    return "en"


@dataclass
class FakeOpenAI:
    """The server; use as a context manager or call start()/stop()."""

    mode: str = "correct"
    ttft_s: float = 0.0
    chunk_delay_s: float = 0.0
    slow_s: float = 3.0
    chunk_chars: int = 6
    requests: list[dict[str, Any]] = field(default_factory=list)
    timings: list[tuple[float, float]] = field(default_factory=list)  # (received, finished) perf_counter
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def boot() -> None:
            app = web.Application()
            app.router.add_post("/v1/chat/completions", self._completions)
            app.router.add_get("/v1/models", self._models)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = self._runner.addresses[0][1]
            ready.set()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(boot())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-openai", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake OpenAI server did not start")

    def stop(self) -> None:
        if self._loop is None:
            return
        loop = self._loop

        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        if self._thread is not None:
            self._thread.join(10)
        loop.close()
        self._loop = None

    # --- handlers -------------------------------------------------------------------------------

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "fake-model", "object": "model"}]})

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        t_in = time.perf_counter()
        body = await request.json()
        self.requests.append(body)
        mode = self.mode
        try:
            if mode == "http500":
                return web.json_response({"error": {"message": "upstream exploded", "type": "server_error"}},
                                         status=500)
            if mode == "slow":
                await asyncio.sleep(self.slow_s)
            plan = self._plan(body, mode)
            return await self._stream(request, body, plan, malformed=(mode == "malformed"))
        finally:
            self.timings.append((t_in, time.perf_counter()))

    def _plan(self, body: dict[str, Any], mode: str) -> dict[str, Any]:
        """What to send: {"text": str} or {"tool": name, "args": {...}}."""
        messages = body.get("messages", [])
        system = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
        lang = _lang_of(system)
        facts = list(_FACT_LINE.finditer(system + "\n" + "\n".join(
            str(m.get("content", "")) for m in messages if m.get("role") == "user")))
        last = messages[-1] if messages else {}
        tools = {t["function"]["name"] for t in body.get("tools", [])}
        if mode == "hallucinating":
            name = facts[0]["name"] if facts else "sản phẩm"
            return {"text": _HALLUCINATED[lang].format(name=name)}
        if last.get("role") == "tool":
            return {"text": self._from_tool(messages, last, lang)}
        comment = str(last.get("content", ""))
        if _PIN_WORDS.search(comment) and "pin_product" in tools and facts:
            return {"tool": "pin_product", "args": {"sku": facts[0]["sku"]}}
        if _PROMO_WORDS.search(comment) and "current_promotions" in tools:
            return {"tool": "current_promotions", "args": {}}
        if not facts and "search_products" in tools:
            query = re.sub(r"(?s).*<comment>(.*)</comment>.*", r"\1", comment).strip()
            return {"tool": "search_products", "args": {"query": query}}
        if not facts:
            return {"text": _NOTHING[lang]}
        f = facts[0]
        return {"text": _ANSWER[lang].format(name=f["name"].strip(), price=f["price"].strip())}

    @staticmethod
    def _from_tool(messages: list[dict[str, Any]], last: dict[str, Any], lang: str) -> str:
        called = ""
        for m in reversed(messages):
            if m.get("role") == "assistant" and m.get("tool_calls"):
                called = m["tool_calls"][0]["function"]["name"]
                break
        try:
            result = json.loads(last.get("content") or "null")
        except json.JSONDecodeError:
            result = None
        for key in ("products", "promotions"):
            if isinstance(result, dict) and isinstance(result.get(key), list):
                result = result[key][0] if result[key] else None
        if not isinstance(result, dict) or "name" not in result:
            return _NOTHING[lang]
        template = _PINNED if called == "pin_product" else _ANSWER
        return template[lang].format(name=result["name"], price=result.get("price", ""))

    async def _stream(self, request: web.Request, body: dict[str, Any], plan: dict[str, Any],
                      malformed: bool) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        model = body.get("model", "fake-model")
        created = int(time.time())

        async def send(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> None:
            chunk: dict[str, Any] = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": created,
                                     "model": model, **extra}
            if delta is not None:
                chunk["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
            await resp.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())

        await send({"role": "assistant", "content": ""})
        if self.ttft_s:
            await asyncio.sleep(self.ttft_s)
        if malformed:
            await send({"content": "Dạ "})
            await resp.write(b'data: {"choices": [{"delta": {"content": "gi\n\n')
            await resp.write(b"data: not json at all\n\n")
            return resp  # connection closed without finish chunk or [DONE]
        if "tool" in plan:
            args = json.dumps(plan["args"], ensure_ascii=False)
            await send({"tool_calls": [{"index": 0, "id": "call_fake1", "type": "function",
                                        "function": {"name": plan["tool"], "arguments": ""}}]})
            for i in range(0, len(args), 8):
                await send({"tool_calls": [{"index": 0, "function": {"arguments": args[i:i + 8]}}]})
                if self.chunk_delay_s:
                    await asyncio.sleep(self.chunk_delay_s)
            await send({}, "tool_calls")
        else:
            text = plan["text"]
            for i in range(0, len(text), self.chunk_chars):
                await send({"content": text[i:i + self.chunk_chars]})
                if self.chunk_delay_s:
                    await asyncio.sleep(self.chunk_delay_s)
            await send({}, "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            await send(None, choices=[], usage={"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70})
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp
