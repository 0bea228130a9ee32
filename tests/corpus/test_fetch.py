"""Fetching pages by URL (corpus/fetch.py, corpus/importers/web.py): a page from a local server
with private hosts allowed, and with the setting off, every way to reach inside the network
refused, redirects included."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus import fetch
from corpus.fetch import FetchRefused, address_refusal, page_fetch
from corpus.importers.base import ArticleDraft, ImportFailure
from corpus.importers.web import read_url, read_urls
from tests.web_pages import article_page

PARAGRAPHS = [
    "The council voted on Tuesday to close the old library, citing repair costs of two million.",
    "Residents said the figure was inflated; the council's own report puts it at half that sum.",
    "A final decision is expected next month, after a public consultation closes in the spring.",
]


@pytest.mark.usefixtures("private_hosts_allowed")
def test_page_becomes_a_draft_with_its_url_and_html(local_site):
    html = article_page("Library to close", PARAGRAPHS, canonical="https://elsewhere.example/x")
    url = local_site.page("/news/library", html)

    draft = read_url(url)

    assert isinstance(draft, ArticleDraft)
    assert draft.title == "Library to close"
    assert "repair costs of two million" in draft.body
    assert draft.raw_text == html
    assert draft.source_url == url  # the URL fetched, not the page's claim
    assert draft.published_on is None  # the page states no date: none is invented
    assert draft.location == url


@pytest.mark.usefixtures("private_hosts_allowed")
def test_redirects_are_followed_and_the_final_url_kept(local_site):
    final = local_site.page("/final", article_page("Moved", PARAGRAPHS))
    local_site.redirect("/old", "/final", status=301)
    page = page_fetch(local_site.url + "/old")
    assert page.url == final


@pytest.mark.usefixtures("private_hosts_allowed")
def test_more_than_five_redirects_are_refused(local_site):
    for hop in range(7):
        local_site.redirect(f"/hop/{hop}", f"/hop/{hop + 1}")
    local_site.page("/hop/7", article_page("End", PARAGRAPHS))
    with pytest.raises(FetchRefused, match="more than 5 redirects"):
        page_fetch(local_site.url + "/hop/0")
    assert len(local_site.requests) == 6


@pytest.mark.usefixtures("private_hosts_allowed")
def test_five_redirects_are_followed(local_site):
    for hop in range(5):
        local_site.redirect(f"/hop/{hop}", f"/hop/{hop + 1}")
    local_site.page("/hop/5", article_page("End", PARAGRAPHS))
    assert page_fetch(local_site.url + "/hop/0").url.endswith("/hop/5")


@pytest.mark.usefixtures("private_hosts_allowed")
def test_page_over_the_size_cap_is_refused(local_site, settings):
    settings.FETCH_MAX_BYTES = 1000
    url = local_site.page("/big", article_page("Big", PARAGRAPHS * 20))
    assert read_url(url) == ImportFailure(url, "the page is larger than 1,000 bytes")


@pytest.mark.usefixtures("private_hosts_allowed")
def test_slow_server_times_out(local_site, settings):
    settings.FETCH_TIMEOUT_S = 0.2
    url = local_site.page("/slow", article_page("Slow", PARAGRAPHS), delay_s=1)
    with pytest.raises(FetchRefused, match="did not answer in time"):
        page_fetch(url)


@pytest.mark.usefixtures("private_hosts_allowed")
@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"status": 404}, "the server answered 404, not the page"),
        ({"headers": {"Content-Type": "application/pdf"}}, r"not an HTML page \(application/pdf\)"),
        ({"status": 302}, "the server answered 302 with no Location"),
    ],
)
def test_answers_that_are_not_a_page_are_refused(local_site, answer, reason):
    url = local_site.page("/x", b"%PDF-1.4", **answer)
    with pytest.raises(FetchRefused, match=reason):
        page_fetch(url)


@pytest.mark.usefixtures("private_hosts_allowed")
def test_page_without_article_text_fails_with_the_reason(local_site):
    url = local_site.page("/empty", "<!doctype html><html><head><title>T</title></head></html>")
    assert read_url(url) == ImportFailure(url, "no article text found in the HTML page")


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.org/a", "gopher://example.org/", "javascript:alert(1)"],
)
def test_only_http_and_https_are_fetched(url):
    with pytest.raises(FetchRefused, match="only http and https"):
        page_fetch(url)


def test_credentials_in_the_url_are_refused():
    with pytest.raises(FetchRefused, match="user name or password"):
        page_fetch("http://user:secret@example.org/")


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://127.1.2.3:8000/admin", "loopback"),
        ("http://localhost/", "loopback"),
        ("http://10.0.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[fe80::1]/", "link-local"),
        ("http://0.0.0.0/", "reserved|private"),
        ("http://224.0.0.1/", "multicast"),
        ("http://100.100.100.200/", "reserved|private"),  # Alibaba Cloud's metadata service
    ],
)
def test_addresses_inside_the_network_are_refused_by_default(url, kind, local_site):
    with pytest.raises(FetchRefused, match=rf"({kind}) address.*does not fetch"):
        page_fetch(url)
    assert local_site.requests == []


@pytest.mark.parametrize(
    "inside",
    ["http://127.0.0.1:{port}/secret", "http://10.0.0.1/", "http://169.254.169.254/latest/"],
)
def test_a_redirect_to_inside_the_network_is_refused(local_site, monkeypatch, inside):
    # The first hop is allowed as a public site would be: one host name, and only it, resolves
    # to the local server and may be fetched; the redirect's target gets the ordinary check.
    resolve = fetch._resolve
    monkeypatch.setattr(
        fetch,
        "_resolve",
        lambda host, port: (
            [ipaddress.ip_address("127.0.0.1")] if host == "news.test" else resolve(host, port)
        ),
    )
    monkeypatch.setattr(fetch, "_private_hosts_allowed", lambda host: host == "news.test")
    local_site.redirect("/story", inside.format(port=local_site.port))
    local_site.page("/secret", article_page("Secret", PARAGRAPHS))

    url = f"http://news.test:{local_site.port}/story"
    failure = read_url(url)

    assert isinstance(failure, ImportFailure)
    assert "does not fetch addresses inside its network" in failure.reason
    assert local_site.requests == [("/story", f"news.test:{local_site.port}")]


def test_a_host_with_one_internal_address_is_refused(monkeypatch):
    monkeypatch.setattr(
        fetch,
        "_resolve",
        lambda host, port: [
            ipaddress.ip_address("93.184.216.34"),
            ipaddress.ip_address("10.1.1.1"),
        ],
    )
    with pytest.raises(FetchRefused, match=r"10\.1\.1\.1, a private address"):
        page_fetch("http://mixed.test/")


def test_unknown_host_is_named():
    with pytest.raises(FetchRefused, match="could not be found"):
        page_fetch("http://no-such-host.invalid/")


@given(st.ip_addresses(network="10.0.0.0/8") | st.ip_addresses(network="169.254.0.0/16"))
def test_private_and_link_local_ranges_are_refused(address):
    assert address_refusal(address) is not None


@given(st.ip_addresses(network="8.8.0.0/16") | st.ip_addresses(network="2001:4860::/32"))
def test_public_addresses_pass(address):
    assert address_refusal(address) is None


@pytest.mark.usefixtures("private_hosts_allowed")
def test_several_urls_come_back_in_order_while_fetched_together(local_site):
    slow = local_site.page("/slow", article_page("Slow", PARAGRAPHS), delay_s=0.3)
    fast = local_site.page("/fast", article_page("Fast", PARAGRAPHS[::-1]))
    missing = local_site.url + "/missing"
    results = list(read_urls([slow, missing, fast]))
    assert [r.location for r in results] == [slow, missing, fast]
    assert [type(r) for r in results] == [ArticleDraft, ImportFailure, ArticleDraft]


def test_connection_goes_to_the_address_checked(monkeypatch):
    # DNS rebinding: a second lookup could answer 127.0.0.1; there is no second lookup.
    answers = iter([[ipaddress.ip_address("8.8.8.8")], [ipaddress.ip_address("127.0.0.1")]])
    monkeypatch.setattr(fetch, "_resolve", lambda host, port: next(answers))
    pools = []

    class RecordingPool:
        def __init__(self, host, **options):
            pools.append((host, options))

        def urlopen(self, *args, **kwargs):
            raise fetch.urllib3.exceptions.NewConnectionError(None, "recorded, not connected")

    monkeypatch.setattr(fetch.urllib3, "HTTPSConnectionPool", RecordingPool)
    with pytest.raises(FetchRefused, match=r"could not connect to rebind\.test"):
        page_fetch("https://rebind.test/story")
    ((host, options),) = pools
    assert host == "8.8.8.8"
    assert options["server_hostname"] == options["assert_hostname"] == "rebind.test"
    assert options["cert_reqs"] == "CERT_REQUIRED"


@pytest.mark.usefixtures("private_hosts_allowed")
def test_refused_connection_is_named(local_site):
    closed_port = local_site.port
    local_site.server.server_close()  # nothing listens there any more
    with pytest.raises(FetchRefused, match=r"could not connect to 127\.0\.0\.1"):
        page_fetch(f"http://127.0.0.1:{closed_port}/")
