"""Linking accounts: the identifiers a buyer is seen with — device fingerprint, IP, phone,
normalised address, payment account — stored as keyed hashes (never the value), and the
clusters they form. A value of an allowlisted shared type (a dormitory, a parcel station, an
office mail room) is recorded but links nobody, so students and families at one address are not
one "ring"; IPs are recorded for the desk but never link (carrier-grade NAT puts a whole
district behind one). Scoring reads the accounts one hop away in SQL (inputs.py); `clusters`
walks the whole graph (union-find) for the desk and the simulator."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from ipaddress import ip_address

from django.db import connection, transaction

from aftersales.core import prepared
from aftersales.core.pii import lookup_hash
from aftersales.risk.models import Identifier, SharedAddress

KINDS = {c.value for c in Identifier.Kind}
# Kinds that link accounts when shared (IP is recorded only).
LINKING_KINDS = frozenset(KINDS - {"ip"})

_SPACES = re.compile(r"[\s,，。.#\-号]+")


def normalise_address(address: str) -> str:
    """One spelling per address: full-width folded, spaces and punctuation dropped, lower-case
    (`浙江省杭州市 文三路1号` and `浙江省杭州市文三路 1 号` are one)."""
    folded = unicodedata.normalize("NFKC", address)
    return _SPACES.sub("", folded).lower()


@lru_cache(maxsize=8192)
def hash_of(kind: str, value: str) -> str:
    if kind == "address":
        value = normalise_address(value)
    return lookup_hash(value, kind=f"risk:{kind}" if kind != "phone" else "phone")


def _shared_ip(value: str) -> str:
    try:
        address = ip_address(value)
    except ValueError:
        return ""
    return "private_network" if address.is_private or address.is_loopback else ""


@transaction.atomic
def allow_shared_address(address: str, *, shared_type: str, label: str = "") -> SharedAddress:
    """Put an address on the allowlist (dormitory, parcel_station, office, …): it links no one
    from now on, and the identifiers already recorded with it stop linking too."""
    value_hash = hash_of("address", address)
    row, _ = SharedAddress.objects.update_or_create(
        value_hash=value_hash, defaults={"shared_type": shared_type, "label": label}
    )
    Identifier.objects.filter(kind="address", value_hash=value_hash).update(shared_type=shared_type)
    return row


def record(buyer_id: int, identifiers: dict[str, str], *, at) -> None:
    """The identifiers seen with a buyer on a request (one statement; the ones known already
    are left as they are). Unknown kinds and empty values are ignored."""
    wanted = {k: v for k, v in identifiers.items() if k in KINDS and v}
    hashes = {kind: hash_of(kind, value) for kind, value in wanted.items()}
    # Known already (committed earlier in this process): no statement at all.
    keys = {(buyer_id, kind, h) for kind, h in hashes.items()}
    if keys <= _SEEN:
        return
    shared = {}
    if "address" in hashes:
        shared = dict(
            SharedAddress.objects.filter(value_hash=hashes["address"]).values_list(
                "value_hash", "shared_type"
            )
        )
    seen_at = _FIRST_SEEN.get_db_prep_save(at, connection)
    params = [
        value
        for kind, value_hash in hashes.items()
        for value in (
            buyer_id,
            kind,
            value_hash,
            _shared_ip(wanted[kind]) if kind == "ip" else shared.get(value_hash, ""),
            seen_at,
        )
    ]
    # As bulk_create(ignore_conflicts=True) writes it, without building the ORM's query: one
    # text per number of kinds sent (a few), prepared on PostgreSQL (core/prepared.py).
    with prepared.cursor() as cursor:
        cursor.execute(_INSERT_SQL + ", ".join([_ROW] * len(hashes)) + " ON CONFLICT DO NOTHING",
                       params)  # fmt: skip
    transaction.on_commit(lambda: _remember(keys))


_FIRST_SEEN = Identifier._meta.get_field("first_seen_at")
_INSERT_SQL = (
    f"INSERT INTO {Identifier._meta.db_table}"  # noqa: S608 - the model's table name
    " (buyer_id, kind, value_hash, shared_type, first_seen_at) VALUES "
)
_ROW = "(%s, %s, %s, %s, %s)"


# (buyer, kind, hash) committed by this process: a buyer's device, phone and address are the
# same request after request, and the insert that finds them known is a statement for nothing.
_SEEN: set[tuple[int, str, str]] = set()


def _remember(keys: set[tuple[int, str, str]]) -> None:
    if len(_SEEN) > 200_000:
        _SEEN.clear()
    _SEEN.update(keys)


def clusters(buyer_ids: Iterable[int] | None = None) -> list[set[int]]:
    """The connected groups of accounts (two or more) linked by a shared, non-allowlisted
    identifier of a linking kind — transitively. `buyer_ids`: only the groups touching them."""
    rows = Identifier.objects.filter(kind__in=LINKING_KINDS, shared_type="").values_list(
        "kind", "value_hash", "buyer_id"
    )
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_of: dict[tuple[str, str], int] = {}
    for kind, value_hash, buyer_id in rows.iterator():
        find(buyer_id)
        other = first_of.setdefault((kind, value_hash), buyer_id)
        if other != buyer_id:
            parent[find(buyer_id)] = find(other)
    groups: dict[int, set[int]] = {}
    for buyer_id in parent:
        groups.setdefault(find(buyer_id), set()).add(buyer_id)
    found = [g for g in groups.values() if len(g) > 1]
    if buyer_ids is not None:
        wanted = set(buyer_ids)
        found = [g for g in found if g & wanted]
    return sorted(found, key=lambda g: (-len(g), min(g)))
