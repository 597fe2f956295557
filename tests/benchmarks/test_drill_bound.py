"""The drill's lower bound (benchmarks/drill_bound.py): issue 16 item 4's formula."""

from __future__ import annotations

import pytest

from benchmarks.drill_bound import HostRates, VmLoad, host_bound_s, host_chain_bound_s, lower_bound_s, share_rate

GB = 2**30
MB = 2**20


def test_scratch_write_bound_plus_the_longest_boot() -> None:
    rates = HostRates(scratch_write=400 * MB, source_read={"B:": 800 * MB})
    loads = [VmLoad("H1", 40 * GB, "B:", 200.0), VmLoad("H1", 60 * GB, "B:", 300.0)]
    assert host_bound_s(rates, loads) == pytest.approx(100 * GB / (400 * MB) + 300.0)


def test_a_slow_source_bounds_instead_of_the_scratch_volume() -> None:
    rates = HostRates(scratch_write=400 * MB, source_read={"B:": 800 * MB, "nas": 100 * MB})
    loads = [VmLoad("H1", 50 * GB, "B:", 100.0), VmLoad("H1", 20 * GB, "nas", 60.0)]
    # scratch: 70 GB / 400 MB/s = 179.2 s; nas: 20 GB / 100 MB/s = 204.8 s (the larger)
    assert host_bound_s(rates, loads) == pytest.approx(20 * GB / (100 * MB) + 100.0)


def test_the_drill_bound_is_the_largest_host_bound() -> None:
    hosts = {"H1": HostRates(400 * MB, {"B:": 400 * MB}), "H2": HostRates(200 * MB, {"B:": 400 * MB})}
    loads = [VmLoad("H1", 40 * GB, "B:", 100.0), VmLoad("H2", 40 * GB, "B:", 100.0)]
    assert lower_bound_s(hosts, loads) == pytest.approx(40 * GB / (200 * MB) + 100.0)
    assert lower_bound_s(hosts, []) == 0.0


def test_a_share_is_read_no_faster_than_the_host_link() -> None:
    assert share_rate(1000 * MB, 1250 * MB) == 1000 * MB and share_rate(2000 * MB, 1250 * MB) == 1250 * MB


def test_missing_or_bad_rates_are_errors_naming_what_is_missing() -> None:
    with pytest.raises(ValueError, match="source 'nas' has no read rate"):
        host_bound_s(HostRates(400 * MB, {}), [VmLoad("H1", GB, "nas", 1.0)])
    with pytest.raises(ValueError, match="host 'H9', which has no rates"):
        lower_bound_s({}, [VmLoad("H9", GB, "B:", 1.0)])
    with pytest.raises(ValueError, match="scratch_write must be a positive rate"):
        host_bound_s(HostRates(0, {"B:": 1.0}), [VmLoad("H1", GB, "B:", 1.0)])


def test_a_host_chain_of_wsb_jobs_bounds_when_it_is_longer_than_the_storage() -> None:
    """Windows Server Backup runs one job per machine: a host's WSB restores follow each other at
    wbengine's rate, whatever the volume could take."""
    rates = HostRates(scratch_write=400 * MB, source_read={"B:": 800 * MB})
    wsb = [VmLoad("H1", 40 * GB, "B:", 225.0, chain_s=20 + 40 * GB / (150 * MB)) for _ in range(3)]
    imports = [VmLoad("H1", 40 * GB, "B:", 100.0)]
    storage = host_bound_s(rates, wsb + imports)  # 160 GB / 400 MB/s + 225
    assert storage == pytest.approx(160 * GB / (400 * MB) + 225.0)
    assert host_chain_bound_s(rates, wsb + imports) == pytest.approx(3 * (20 + 40 * GB / (150 * MB)) + 225.0)
    assert host_chain_bound_s(rates, imports) == host_bound_s(rates, imports)  # no chain: the bound
    assert lower_bound_s({"H1": rates}, wsb + imports, chains=True) > lower_bound_s({"H1": rates}, wsb + imports)
