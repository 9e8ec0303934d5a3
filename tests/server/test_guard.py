"""The guard's pieces: buckets bounded in number, client addresses grouped as limits see them."""

from __future__ import annotations

from server.guard import LRUBuckets, client_key


def test_buckets_stay_bounded_and_forget_the_least_recently_used() -> None:
    buckets = LRUBuckets(rate=0.001, burst=1, size=100)
    assert buckets.take("kept") == 0
    for n in range(10_000):
        buckets.take(f"stranger-{n}")
        if n % 50 == 0:
            buckets.take("kept")  # recently used: stays
    assert len(buckets) == 100
    assert buckets.take("kept") > 0  # still remembered as spent
    assert buckets.take("stranger-0") == 0  # forgotten: a fresh bucket


def test_an_ipv6_client_is_limited_per_64_and_a_mapped_ipv4_as_itself() -> None:
    def key(host: str) -> str:
        return client_key({"client": (host, 1234)})

    assert key("2001:db8:1:2::1") == key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert key("2001:db8:1:3::1") != key("2001:db8:1:2::1")
    assert key("::ffff:192.0.2.1") == "192.0.2.1"
    assert key("192.0.2.1") == "192.0.2.1"
    assert client_key({"client": None}) == "local"
