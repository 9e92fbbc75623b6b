"""Images and a real local HTTP server for download and card tests."""
from __future__ import annotations

import io
import struct
import zlib

from aiohttp import web
from PIL import Image


def png_bytes(size=(64, 64), colour=(200, 30, 90)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return buf.getvalue()


def gif_bytes(frames: int = 6, size=(160, 80), duration: int = 70) -> bytes:
    images = [Image.new("RGB", size, (i * 40 % 255, 80, 200 - i * 20 % 200)) for i in range(frames)]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=duration, loop=0)
    return buf.getvalue()


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny PNG whose header claims an enormous picture (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * width
    body = zlib.compress(row * 64, 9)  # only a few rows: the header alone must trip the check
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


class ImageServer:
    """An aiohttp server on 127.0.0.1 with good and hostile routes."""

    def __init__(self) -> None:
        self.runner = None
        self.port = None
        self.hits: list[str] = []

    async def start(self) -> "ImageServer":
        app = web.Application()
        good, anim = png_bytes(), gif_bytes()

        async def record(request, response):
            self.hits.append(request.path)
            return response

        async def ok(request):
            return await record(request, web.Response(body=good, content_type="image/png"))

        async def animated(request):
            return await record(request, web.Response(body=anim, content_type="image/gif"))

        async def huge(request):
            resp = web.StreamResponse(headers={"Content-Type": "image/png"})  # no Content-Length: chunked
            await resp.prepare(request)
            for _ in range(200):
                await resp.write(b"\0" * 65536)
            return await record(request, resp)

        async def liar(request):
            return await record(request, web.Response(body=b"x" * 10, headers={"Content-Length": str(10**9)}))

        async def not_image(request):
            return await record(request, web.Response(text="<html>hi</html>", content_type="text/html"))

        async def bomb(request):
            return await record(request, web.Response(body=bomb_png(), content_type="image/png"))

        async def redirect_to(request):
            raise web.HTTPFound(request.query["to"])

        async def loop_redirect(request):
            raise web.HTTPFound("/loop")

        async def slow(request):
            import asyncio

            await asyncio.sleep(5)
            return web.Response(body=good)

        for path, handler in {"/ok.png": ok, "/anim.gif": animated, "/huge": huge, "/liar": liar,
                              "/page": not_image, "/bomb.png": bomb, "/redirect": redirect_to,
                              "/loop": loop_redirect, "/slow": slow}.items():
            app.router.add_get(path, handler)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    async def stop(self) -> None:
        await self.runner.cleanup()
