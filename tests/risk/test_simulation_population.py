"""The simulated population: a segment attribute is drawn apart from behaviour, except where the
behaviour defines it. The hard negatives defined by behaviour (heavy returners, buyers of the
defective batch, carrier noise) live at the dormitory's or the parcel station's address, or in a
family on its shared device, as often as the population does; drawing it changes nothing else."""

from __future__ import annotations

from unittest import mock

from aftersales.risk.simulate import SHARED_ADDRESSES, SITUATIONS, Planner

BEHAVIOURAL = ("heavy_returner", "defective_batch", "carrier_noise")
N = 5000


def _behavioural(seed: int) -> list:
    return [b for b in Planner(seed).population(N) if b.kind in BEHAVIOURAL]


def test_a_behavioural_hard_negative_at_a_shared_address_lives_at_that_address():
    at_shared = [b for b in _behavioural(1) if b.segment["shared_address"] in SHARED_ADDRESSES]
    assert at_shared
    assert all(b.address == SHARED_ADDRESSES[b.segment["shared_address"]] for b in at_shared)


def test_a_behavioural_hard_negative_in_a_family_shares_a_familys_device_and_address():
    population = Planner(1).population(N)
    families = {(b.device, b.address) for b in population if b.kind == "family_device"}
    joined = [
        b
        for b in population
        if b.kind in BEHAVIOURAL and b.segment["shared_address"] == "family_device"
    ]
    assert joined
    assert all((b.device, b.address) in families for b in joined)


def test_behavioural_hard_negatives_live_at_shared_addresses_at_the_populations_shares():
    population = Planner(1).population(N)
    share = sum(b.kind == "dormitory" for b in population) / N  # 3 %, the dormitory kind's
    found = [b.segment["shared_address"] for seed in (1, 2, 3) for b in _behavioural(seed)]
    expected = share * len(found)  # ~54 of 1,800
    spread = 4 * (expected * (1 - share)) ** 0.5
    for shared in SITUATIONS:
        assert abs(found.count(shared) - expected) < spread, shared
    assert set(found) == {"none", *SITUATIONS}


def test_drawing_the_address_leaves_the_rest_of_the_population_as_it_was():
    drawn = Planner(1).population(N)
    with mock.patch.object(Planner, "situation", lambda self, share: {}):
        before = Planner(1).population(N)

    def behaviour(b) -> tuple:
        segment = {k: v for k, v in b.segment.items() if k != "shared_address"}
        return (b.key, b.kind, segment, b.phone, b.payment, b.orders)

    assert [behaviour(b) for b in drawn] == [behaviour(b) for b in before]
    pairs = list(zip(drawn, before, strict=True))
    moved = [b for b, was in pairs if b.address != was.address]
    assert moved and all(b.kind in BEHAVIOURAL for b in moved)
    # A device changes only by moving into a family.
    devices = [b for b, was in pairs if b.device != was.device]
    assert devices and all(b.segment["shared_address"] == "family_device" for b in devices)
    assert all(b.kind in BEHAVIOURAL for b in devices)


def test_the_kinds_defined_by_their_address_or_device_keep_it():
    population = Planner(1).population(N)
    expected = {"dormitory": "dormitory", "parcel_station": "parcel_station",
                "family_device": "family_device"}  # fmt: skip
    for b in population:
        if b.kind in expected:
            assert b.segment["shared_address"] == expected[b.kind]


def _brackets(buyer) -> list:
    return [o for o in buyer.orders if o.more]


def test_a_heavy_returner_buys_clothes_in_several_sizes_and_sends_all_but_one_back():
    heavy = [b for b in Planner(1).population(N) if b.kind == "heavy_returner"]
    orders = [o for b in heavy for o in _brackets(b)]
    assert len(orders) > len(heavy)  # about half their apparel orders: several a buyer
    for order in orders:
        lines = order.lines
        assert len({line.spu for line in lines}) == 1 and 2 <= len(lines) <= 3
        assert len({line.size for line in lines}) == len(lines)
        assert order.request.claims and len(order.request.claims) == len(lines) - 1
        assert (order.request.abusive, order.request.grade) == (False, "as_new")


def test_nobody_but_the_heavy_returner_brackets():
    population = Planner(1).population(N)
    assert {b.kind for b in population if _brackets(b)} == {"heavy_returner"}


def test_drawing_the_brackets_leaves_the_rest_of_the_population_as_it_was():
    drawn = Planner(1).population(N)
    with mock.patch.object(Planner, "bracketing", lambda self, buyer: buyer):
        before = Planner(1).population(N)
    assert [b for b in drawn if b.kind != "heavy_returner"] == [
        b for b in before if b.kind != "heavy_returner"
    ]
    heavy = [(b, was) for b, was in zip(drawn, before, strict=True) if b.kind == "heavy_returner"]
    assert all(len(b.orders) == len(was.orders) for b, was in heavy)
