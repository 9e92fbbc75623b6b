"""The image downloader against a real local HTTP server: the SSRF guard, caps and redirects."""
import ipaddress

import pytest

from unicornia.systems.downloader import DownloadRefused, SafeDownloader, StaticResolver
from tests.imagekit import ImageServer

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]


async def public_message(downloader, url: str) -> str:
    """What a member would be told about a refused download."""
    with pytest.raises(DownloadRefused) as refused:
        await downloader.fetch_image(url)
    return refused.value.public


@pytest.fixture
async def server():
    srv = await ImageServer().start()
    yield srv
    await srv.stop()


@pytest.fixture
async def allowed():
    """A downloader whose allow-list lets it reach the test server, resolving images.test to it."""
    dl = SafeDownloader(resolver=StaticResolver({"images.test": ["127.0.0.1"], "evil.test": ["127.0.0.1"]}),
                        allow=LOOPBACK, max_bytes=1024 * 1024, timeout=2)
    yield dl
    await dl.close()


@pytest.fixture
async def guarded():
    """The default guard, with a resolver that maps names to loopback the way a rebinding attacker would."""
    dl = SafeDownloader(resolver=StaticResolver({"evil.test": ["127.0.0.1"], "mixed.test": ["93.184.216.34", "10.0.0.7"]}),
                        timeout=2)
    yield dl
    await dl.close()


async def test_happy_path_by_address_and_by_name(allowed, server):
    assert (await allowed.fetch_image(server.url("/ok.png"))).startswith(b"\x89PNG")
    assert (await allowed.fetch_image(server.url("/anim.gif", host="images.test"))).startswith(b"GIF8")


async def test_cache_serves_repeat_downloads(allowed, server):
    url = server.url("/ok.png")
    await allowed.fetch_image(url)
    await allowed.fetch_image(url)
    assert server.hits.count("/ok.png") == 1


@pytest.mark.parametrize("host", [
    "127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "127.0.0.1.", "[::1]",
    "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "0.0.0.0", "10.0.0.1", "192.168.0.10", "172.16.5.4",
    "169.254.169.254", "100.64.0.1", "224.0.0.1", "[fe80::1]", "[::]",
])
async def test_private_addresses_are_refused_in_any_spelling(guarded, server, host):
    with pytest.raises(DownloadRefused) as refused:
        await guarded.fetch_image(f"http://{host}:{server.port}/ok.png")
    assert refused.value.public == "that image address is not allowed"
    assert server.hits == []


async def test_names_resolving_to_private_addresses_are_refused(guarded, server):
    for host in ("evil.test", "mixed.test"):
        with pytest.raises(DownloadRefused):
            await guarded.fetch_image(f"http://{host}:{server.port}/ok.png")
    assert server.hits == []


async def test_the_guard_is_on_by_default_and_refuses_the_test_server_itself(server):
    dl = SafeDownloader()
    try:
        with pytest.raises(DownloadRefused):
            await dl.fetch_image(server.url("/ok.png"))
        with pytest.raises(DownloadRefused):
            await dl.fetch_image(server.url("/ok.png", host="localhost"))
    finally:
        await dl.close()
    assert server.hits == []


async def test_redirects_are_checked_and_limited(allowed, guarded, server):
    ok = await allowed.fetch_image(server.url("/redirect") + "?to=/ok.png")
    assert ok.startswith(b"\x89PNG")
    assert await public_message(allowed, server.url("/loop")) == "the image address redirects too many times"
    # an allowed host redirecting to a forbidden one: the hop is checked like the first request
    public_allowed = SafeDownloader(resolver=StaticResolver({"images.test": ["127.0.0.1"]}),
                                    allow=[ipaddress.ip_network("127.0.0.1/32")], timeout=2)
    try:
        with pytest.raises(DownloadRefused) as refused:
            await public_allowed.fetch_image(server.url("/redirect", host="images.test") + "?to=http://10.1.2.3/x.png")
        assert refused.value.public == "that image address is not allowed"
        assert "only http and https" in await public_message(
            public_allowed, server.url("/redirect") + "?to=file:///etc/passwd")
    finally:
        await public_allowed.close()


@pytest.mark.parametrize("path, public", [
    ("/huge", "the image is too big"),
    ("/liar", "the image is too big"),
    ("/page", "can't be used as an image"),
    ("/bomb.png", "too large"),
    ("/missing", "refused the request"),
    ("/slow", "took too long"),
])
async def test_hostile_responses_are_refused(allowed, server, path, public):
    with pytest.raises(DownloadRefused) as refused:
        await allowed.fetch_image(server.url(path))
    assert public in refused.value.public


async def test_only_http_and_https(allowed):
    for url in ("ftp://example.com/a.png", "file:///etc/passwd", "gopher://x/", "http:///nohost"):
        assert "only http and https" in await public_message(allowed, url)
