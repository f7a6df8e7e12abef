"""The stored-node Merkle tree agrees with RFC 6962's own recursive definitions.

Everything the module builds is compared with a reference written here, straight from the RFC's
recursion over the list of leaf data (MTH, PATH, PROOF/SUBPROOF), sharing no code with
audit.merkle beyond the two hash prefixes, which are checked against published vectors.
No database: nodes live in a dict.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import merkle

# ---------------------------------------------------------------------------
# Reference implementation: RFC 6962 section 2.1, recursive, over leaf data.
# ---------------------------------------------------------------------------


def ref_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def ref_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def ref_split(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(data: list[bytes]) -> bytes:
    n = len(data)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return ref_leaf(data[0])
    k = ref_split(n)
    return ref_node(ref_mth(data[:k]), ref_mth(data[k:]))


def ref_path(m: int, data: list[bytes]) -> list[bytes]:
    n = len(data)
    if n == 1:
        return []
    k = ref_split(n)
    if m < k:
        return [*ref_path(m, data[:k]), ref_mth(data[k:])]
    return [*ref_path(m - k, data[k:]), ref_mth(data[:k])]


def ref_subproof(m: int, data: list[bytes], b: bool) -> list[bytes]:
    n = len(data)
    if m == n:
        return [] if b else [ref_mth(data)]
    k = ref_split(n)
    if m <= k:
        return [*ref_subproof(m, data[:k], b), ref_mth(data[k:])]
    return [*ref_subproof(m - k, data[k:], False), ref_mth(data[:k])]


def ref_proof(m: int, data: list[bytes]) -> list[bytes]:
    return ref_subproof(m, data, True)


def ref_root_from_path(m: int, n: int, leaf_hash: bytes, path: list[bytes]) -> bytes:
    """Undo PATH's recursion: the root that leaf m and its path imply for a tree of size n."""
    if n == 1:
        assert path == []
        return leaf_hash
    assert path, "path too short for the tree size"
    k = ref_split(n)
    *rest, last = path
    if m < k:
        return ref_node(ref_root_from_path(m, k, leaf_hash, rest), last)
    return ref_node(last, ref_root_from_path(m - k, n - k, leaf_hash, rest))


def ref_roots_from_proof(m: int, n: int, proof: list[bytes], first_root: bytes, b: bool = True) -> tuple[bytes, bytes]:
    """Undo SUBPROOF's recursion: the (old, new) subtree roots that a consistency proof implies."""
    if m == n:
        if b:
            assert proof == []
            return first_root, first_root
        assert len(proof) == 1
        return proof[0], proof[0]
    assert proof, "proof too short for the tree sizes"
    k = ref_split(n)
    *rest, last = proof
    if m <= k:
        old, new = ref_roots_from_proof(m, k, rest, first_root, b)
        return old, ref_node(new, last)
    old, new = ref_roots_from_proof(m - k, n - k, rest, first_root, False)
    return ref_node(last, old), ref_node(last, new)


# ---------------------------------------------------------------------------
# Fixtures: leaves and a dict of stored nodes, built only through new_nodes_for_leaf.
# ---------------------------------------------------------------------------


def entry(i: int) -> bytes:
    return f"audit entry {i}".encode() * (i % 3 + 1)


def build_store(data: list[bytes]) -> dict[tuple[int, int], bytes]:
    store: dict[tuple[int, int], bytes] = {}
    for i, item in enumerate(data):
        for level, index, value in merkle.new_nodes_for_leaf(
            leaf_index=i, leaf=merkle.leaf_hash(item), get_node=getter_over(store)
        ):
            assert (level, index) not in store, "a stored node was produced twice"
            store[(level, index)] = value
    return store


def getter_over(store: dict[tuple[int, int], bytes]) -> Callable[[int, int], bytes]:
    return lambda level, index: store[(level, index)]


class CountingGetter:
    def __init__(self, store: dict[tuple[int, int], bytes]) -> None:
        self.store = store
        self.calls = 0

    def __call__(self, level: int, index: int) -> bytes:
        self.calls += 1
        return self.store[(level, index)]


SMALL = 40
MEDIUM = 70
LARGE = 5000

DATA = [entry(i) for i in range(LARGE)]
STORE_LARGE = build_store(DATA)
STORE = build_store(DATA[:MEDIUM])  # a prefix: the same nodes a log of MEDIUM entries stores
get_node = getter_over(STORE)

REF_ROOTS = [ref_mth(DATA[:n]) for n in range(MEDIUM + 1)]


def flip(value: bytes, position: int = 0) -> bytes:
    return value[:position] + bytes([value[position] ^ 0x01]) + value[position + 1 :]


# ---------------------------------------------------------------------------
# Published vectors (RFC 6962 test data used by Certificate Transparency implementations).
# ---------------------------------------------------------------------------

CT_LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CT_CONSISTENCY = {
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (2, 8): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


def test_hashes_use_the_rfc_6962_prefixes_and_empty_root():
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    left, right = merkle.leaf_hash(b"l"), merkle.leaf_hash(b"r")
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert merkle.node_hash(left, right) != merkle.node_hash(right, left)


def test_roots_proofs_and_verifiers_match_the_published_ct_vectors():
    store = build_store(CT_LEAVES)
    for n, expected in enumerate(CT_ROOTS, start=1):
        assert merkle.root_hash(tree_size=n, get_node=getter_over(store)).hex() == expected
        assert ref_mth(CT_LEAVES[:n]).hex() == expected
    root8 = bytes.fromhex(CT_ROOTS[7])
    for (index, size), expected in CT_INCLUSION.items():
        proof = merkle.inclusion_proof(leaf_index=index, tree_size=size, get_node=getter_over(store))
        assert [p.hex() for p in proof] == expected
        assert merkle.verify_inclusion(
            leaf=store[(0, index)], leaf_index=index, tree_size=size, proof=proof, root=root8
        )
    for (first, second), expected in CT_CONSISTENCY.items():
        proof = merkle.consistency_proof(first=first, second=second, get_node=getter_over(store))
        assert [p.hex() for p in proof] == expected
        assert merkle.verify_consistency(
            first=first,
            second=second,
            first_root=bytes.fromhex(CT_ROOTS[first - 1]),
            second_root=bytes.fromhex(CT_ROOTS[second - 1]),
            proof=proof,
        )


# ---------------------------------------------------------------------------
# Appending and roots.
# ---------------------------------------------------------------------------


def test_appending_stores_exactly_the_complete_aligned_subtrees_with_their_reference_hashes():
    for n in range(MEDIUM + 1):
        store = build_store(DATA[:n])
        expected = {
            (level, index) for level in range(n.bit_length()) for index in range(n >> level)
        }  # (index + 1) * 2**level <= n
        assert set(store) == expected, n
        for (level, index), value in store.items():
            assert value == ref_mth(DATA[index << level : (index + 1) << level]), (n, level, index)


def test_appending_a_leaf_reads_one_stored_node_per_subtree_it_completes():
    for i in range(MEDIUM):
        getter = CountingGetter(STORE)
        nodes = merkle.new_nodes_for_leaf(leaf_index=i, leaf=STORE[(0, i)], get_node=getter)
        trailing_ones = (i ^ (i + 1)).bit_length() - 1
        assert len(nodes) == trailing_ones + 1
        assert getter.calls == trailing_ones
        assert nodes[0] == (0, i, STORE[(0, i)])
        assert all(STORE[(level, index)] == value for level, index, value in nodes)


def test_appending_rejects_a_negative_index_and_a_leaf_that_is_not_a_hash():
    with pytest.raises(ValueError):
        merkle.new_nodes_for_leaf(leaf_index=-1, leaf=merkle.leaf_hash(b"x"), get_node=get_node)
    with pytest.raises(ValueError):
        merkle.new_nodes_for_leaf(leaf_index=0, leaf=b"short", get_node=get_node)


def test_root_hash_equals_the_reference_mth_for_every_size_up_to_70():
    assert merkle.root_hash(tree_size=0, get_node=get_node) == merkle.EMPTY_ROOT
    for n in range(MEDIUM + 1):
        assert merkle.root_hash(tree_size=n, get_node=get_node) == REF_ROOTS[n], n


def test_root_hash_of_a_large_log_matches_the_reference_with_one_read_per_set_bit():
    for n in (1, 2, 1023, 1024, 1025, 4095, 4096, 4097, LARGE):
        getter = CountingGetter(STORE_LARGE)
        assert merkle.root_hash(tree_size=n, get_node=getter) == ref_mth(DATA[:n]), n
        assert getter.calls == n.bit_count()
        assert len(merkle.root_nodes(tree_size=n)) == n.bit_count()


def test_subtree_hash_equals_the_reference_for_every_range_the_recursion_produces():
    def ranges(start: int, end: int):
        yield start, end
        if end - start > 1:
            k = ref_split(end - start)
            yield from ranges(start, start + k)
            yield from ranges(start + k, end)

    for n in range(1, MEDIUM + 1):
        for start, end in ranges(0, n):
            assert merkle.subtree_hash(start=start, end=end, get_node=get_node) == ref_mth(DATA[start:end])


@pytest.mark.parametrize(("start", "end"), [(0, 0), (3, 3), (-1, 1), (5, 4), (1, 3), (2, 5), (4, 9), (6, 10)])
def test_subtree_hash_rejects_empty_and_unaligned_ranges(start, end):
    with pytest.raises(ValueError):
        merkle.subtree_hash(start=start, end=end, get_node=get_node)


# ---------------------------------------------------------------------------
# Inclusion proofs.
# ---------------------------------------------------------------------------


def test_inclusion_proofs_equal_the_reference_path_for_every_leaf_of_every_size():
    for n in range(1, SMALL + 1):
        for m in range(n):
            proof = merkle.inclusion_proof(leaf_index=m, tree_size=n, get_node=get_node)
            assert proof == ref_path(m, DATA[:n]), (m, n)


def test_inclusion_proofs_recompute_the_reference_root_by_the_rfc_recursion():
    for n in range(1, SMALL + 1):
        for m in range(n):
            proof = merkle.inclusion_proof(leaf_index=m, tree_size=n, get_node=get_node)
            assert ref_root_from_path(m, n, ref_leaf(DATA[m]), proof) == REF_ROOTS[n], (m, n)


def test_inclusion_proofs_verify_for_every_leaf_of_every_size():
    for n in range(1, MEDIUM + 1):
        for m in range(n):
            proof = merkle.inclusion_proof(leaf_index=m, tree_size=n, get_node=get_node)
            assert merkle.verify_inclusion(
                leaf=ref_leaf(DATA[m]), leaf_index=m, tree_size=n, proof=proof, root=REF_ROOTS[n]
            ), (m, n)


def test_inclusion_verification_rejects_every_kind_of_tampering():
    for n in range(1, SMALL + 1):
        root = REF_ROOTS[n]
        for m in range(n):
            leaf = ref_leaf(DATA[m])
            proof = merkle.inclusion_proof(leaf_index=m, tree_size=n, get_node=get_node)

            def verify(*, leaf=leaf, leaf_index=m, tree_size=n, proof=proof, root=root):
                return merkle.verify_inclusion(
                    leaf=leaf, leaf_index=leaf_index, tree_size=tree_size, proof=proof, root=root
                )

            assert verify()
            assert not verify(leaf=flip(leaf))
            assert not verify(root=flip(root, 31))
            for i in range(len(proof)):
                assert not verify(proof=[*proof[:i], flip(proof[i], i), *proof[i + 1 :]]), (m, n, i)
            for other in range(n + 2):
                if other != m:
                    assert not verify(leaf_index=other), (m, n, other)
            # A different size is checked against that size's root: a tree head binds size and root
            # together. (With the old root, sizes whose paths have the same shape, like leaf 0 of
            # sizes 3 and 4, are indistinguishable to any verifier, so that is not a test.)
            for size in range(1, SMALL + 1):
                if size != n:
                    assert not verify(tree_size=size, root=REF_ROOTS[size]), (m, n, size)
            if proof:
                assert not verify(proof=proof[:-1])
                assert not verify(proof=proof[1:])
            assert not verify(proof=[*proof, leaf])
            assert not verify(leaf_index=-1)


def test_inclusion_verification_returns_false_for_malformed_input():
    proof = merkle.inclusion_proof(leaf_index=5, tree_size=8, get_node=get_node)
    leaf, root = STORE[(0, 5)], REF_ROOTS[8]
    assert merkle.verify_inclusion(leaf=leaf, leaf_index=5, tree_size=8, proof=proof, root=root)
    assert not merkle.verify_inclusion(leaf=leaf[:31], leaf_index=5, tree_size=8, proof=proof, root=root)
    assert not merkle.verify_inclusion(leaf=leaf, leaf_index=5, tree_size=8, proof=proof, root=root + b"\x00")
    assert not merkle.verify_inclusion(
        leaf=leaf, leaf_index=5, tree_size=8, proof=[proof[0][:31], *proof[1:]], root=root
    )
    assert not merkle.verify_inclusion(leaf=leaf, leaf_index=8, tree_size=8, proof=proof, root=root)
    assert not merkle.verify_inclusion(leaf=leaf, leaf_index=0, tree_size=0, proof=[], root=merkle.EMPTY_ROOT)


@pytest.mark.parametrize(("leaf_index", "tree_size"), [(0, 0), (5, 5), (6, 5), (-1, 5)])
def test_inclusion_proofs_refuse_an_index_outside_the_tree(leaf_index, tree_size):
    with pytest.raises(ValueError):
        merkle.inclusion_proof(leaf_index=leaf_index, tree_size=tree_size, get_node=get_node)
    with pytest.raises(ValueError):
        merkle.inclusion_proof_nodes(leaf_index=leaf_index, tree_size=tree_size)


# ---------------------------------------------------------------------------
# Consistency proofs.
# ---------------------------------------------------------------------------


def test_consistency_proofs_equal_the_reference_proof_for_every_pair_of_sizes():
    for n in range(1, SMALL + 1):
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(first=m, second=n, get_node=get_node)
            assert proof == ref_proof(m, DATA[:n]), (m, n)


def test_consistency_proofs_recompute_both_reference_roots_by_the_rfc_recursion():
    for n in range(1, SMALL + 1):
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(first=m, second=n, get_node=get_node)
            assert ref_roots_from_proof(m, n, proof, REF_ROOTS[m]) == (REF_ROOTS[m], REF_ROOTS[n]), (m, n)


def test_consistency_proofs_verify_for_every_pair_of_sizes():
    for n in range(1, MEDIUM + 1):
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(first=m, second=n, get_node=get_node)
            assert merkle.verify_consistency(
                first=m, second=n, first_root=REF_ROOTS[m], second_root=REF_ROOTS[n], proof=proof
            ), (m, n)


def test_consistency_verification_rejects_every_kind_of_tampering():
    for n in range(2, SMALL + 1):
        for m in range(1, n):
            proof = merkle.consistency_proof(first=m, second=n, get_node=get_node)

            def verify(*, first=m, second=n, first_root=REF_ROOTS[m], second_root=REF_ROOTS[n], proof=proof):
                return merkle.verify_consistency(
                    first=first, second=second, first_root=first_root, second_root=second_root, proof=proof
                )

            assert verify()
            assert not verify(first_root=flip(REF_ROOTS[m]))
            assert not verify(second_root=flip(REF_ROOTS[n], 31))
            assert not verify(first_root=REF_ROOTS[n], second_root=REF_ROOTS[m])
            for i in range(len(proof)):
                assert not verify(proof=[*proof[:i], flip(proof[i], i), *proof[i + 1 :]]), (m, n, i)
            for other in range(1, SMALL + 1):
                if other != m:
                    assert not verify(first=other), (m, n, other)
                    if other <= n:
                        assert not verify(first=other, first_root=REF_ROOTS[other]), (m, n, other)
                if other != n:  # a different second size, checked against that size's root
                    if other >= m:
                        assert not verify(second=other, second_root=REF_ROOTS[other]), (m, n, other)
            assert not verify(proof=proof[:-1])
            assert not verify(proof=proof[1:])
            assert not verify(proof=[*proof, REF_ROOTS[m]])
            assert not verify(proof=[])


def test_consistency_between_equal_sizes_is_the_empty_proof_and_equal_roots():
    for n in range(1, SMALL + 1):
        assert merkle.consistency_proof(first=n, second=n, get_node=get_node) == []
        assert merkle.verify_consistency(first=n, second=n, first_root=REF_ROOTS[n], second_root=REF_ROOTS[n], proof=[])
    assert not merkle.verify_consistency(first=4, second=4, first_root=REF_ROOTS[4], second_root=REF_ROOTS[5], proof=[])
    assert not merkle.verify_consistency(
        first=4, second=4, first_root=REF_ROOTS[4], second_root=REF_ROOTS[4], proof=[REF_ROOTS[4]]
    )


def test_consistency_verification_returns_false_for_malformed_input():
    proof = merkle.consistency_proof(first=6, second=8, get_node=get_node)
    r6, r8 = REF_ROOTS[6], REF_ROOTS[8]
    assert merkle.verify_consistency(first=6, second=8, first_root=r6, second_root=r8, proof=proof)
    assert not merkle.verify_consistency(first=8, second=6, first_root=r8, second_root=r6, proof=proof)
    assert not merkle.verify_consistency(first=0, second=8, first_root=merkle.EMPTY_ROOT, second_root=r8, proof=[])
    assert not merkle.verify_consistency(first=-2, second=8, first_root=r6, second_root=r8, proof=proof)
    assert not merkle.verify_consistency(first=6, second=8, first_root=r6[:31], second_root=r8, proof=proof)
    assert not merkle.verify_consistency(first=6, second=8, first_root=r6, second_root=r8 + b"\x00", proof=proof)
    assert not merkle.verify_consistency(
        first=6, second=8, first_root=r6, second_root=r8, proof=[proof[0][:31], *proof[1:]]
    )


@pytest.mark.parametrize(("first", "second"), [(0, 0), (0, 5), (6, 5), (-1, 5)])
def test_consistency_proofs_refuse_sizes_out_of_order(first, second):
    with pytest.raises(ValueError):
        merkle.consistency_proof(first=first, second=second, get_node=get_node)
    with pytest.raises(ValueError):
        merkle.consistency_proof_nodes(first=first, second=second)


# ---------------------------------------------------------------------------
# Cost: O(log n) stored nodes per proof, and the batch plan names exactly those nodes.
# ---------------------------------------------------------------------------


def test_proofs_of_a_large_log_read_o_log_n_stored_nodes_for_every_leaf_and_every_size():
    n = LARGE
    depth = math.ceil(math.log2(n))
    bound = 4 * math.log2(n) + 8
    worst_inclusion = worst_consistency = 0
    for m in range(n):
        getter = CountingGetter(STORE_LARGE)
        assert len(merkle.inclusion_proof(leaf_index=m, tree_size=n, get_node=getter)) <= depth
        worst_inclusion = max(worst_inclusion, getter.calls)
    for first in range(1, n + 1):
        getter = CountingGetter(STORE_LARGE)
        assert len(merkle.consistency_proof(first=first, second=n, get_node=getter)) <= depth + 1
        worst_consistency = max(worst_consistency, getter.calls)
    assert worst_inclusion < bound, worst_inclusion
    assert worst_consistency < bound, worst_consistency
    # Tighter than the bound above: the design reads at most about 2 * log2(n) nodes.
    assert max(worst_inclusion, worst_consistency) <= 2 * math.log2(n) + 2


def test_proofs_of_a_large_log_match_the_reference_and_verify():
    n = LARGE
    root = ref_mth(DATA)
    for m in [*range(0, n, 97), 4095, 4096, 4097, *range(n - 10, n)]:
        proof = merkle.inclusion_proof(leaf_index=m, tree_size=n, get_node=getter_over(STORE_LARGE))
        assert ref_root_from_path(m, n, ref_leaf(DATA[m]), proof) == root
        assert merkle.verify_inclusion(leaf=ref_leaf(DATA[m]), leaf_index=m, tree_size=n, proof=proof, root=root)
    for m in (0, 7, 500, 2999, 4096, 4097, n - 1):
        assert merkle.inclusion_proof(leaf_index=m, tree_size=n, get_node=getter_over(STORE_LARGE)) == ref_path(m, DATA)

    for first in [*range(1, n, 311), 1024, 2048, 4095, 4096, 4097, n - 1, n]:
        proof = merkle.consistency_proof(first=first, second=n, get_node=getter_over(STORE_LARGE))
        first_root = ref_mth(DATA[:first])
        assert ref_roots_from_proof(first, n, proof, first_root) == (first_root, root)
        assert merkle.verify_consistency(first=first, second=n, first_root=first_root, second_root=root, proof=proof)
    for first in (1, 3, 1000, 4096, 4999):
        expected = ref_proof(first, DATA)
        assert merkle.consistency_proof(first=first, second=n, get_node=getter_over(STORE_LARGE)) == expected


def test_the_batch_plans_name_exactly_the_nodes_each_builder_reads():
    class Recorder:
        def __init__(self) -> None:
            self.seen: list[tuple[int, int]] = []

        def __call__(self, level: int, index: int) -> bytes:
            self.seen.append((level, index))
            return STORE_LARGE[(level, index)]

    for n in (1, 2, 3, 7, 8, 9, 33, 1000, LARGE):
        recorder = Recorder()
        merkle.root_hash(tree_size=n, get_node=recorder)
        assert recorder.seen == merkle.root_nodes(tree_size=n)
        for m in {m for m in (0, 1, n // 3, n // 2, n - 1) if m < n}:
            recorder = Recorder()
            merkle.inclusion_proof(leaf_index=m, tree_size=n, get_node=recorder)
            assert set(recorder.seen) == set(merkle.inclusion_proof_nodes(leaf_index=m, tree_size=n))
        for first in {f for f in (1, 2, n // 3, n - 1, n) if 1 <= f <= n}:
            recorder = Recorder()
            merkle.consistency_proof(first=first, second=n, get_node=recorder)
            assert set(recorder.seen) == set(merkle.consistency_proof_nodes(first=first, second=n))


# ---------------------------------------------------------------------------
# Property: for random sizes in a larger log, the builders agree with the reference.
# ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_random_proofs_in_a_log_of_a_few_hundred_leaves_match_the_reference_and_verify(data):
    n = data.draw(st.integers(min_value=1, max_value=300), label="tree_size")
    m = data.draw(st.integers(min_value=0, max_value=n - 1), label="leaf_index")
    first = data.draw(st.integers(min_value=1, max_value=n), label="first")
    leaves = DATA[:n]
    root = ref_mth(leaves)
    first_root = ref_mth(DATA[:first])
    path = merkle.inclusion_proof(leaf_index=m, tree_size=n, get_node=getter_over(STORE_LARGE))
    assert path == ref_path(m, leaves)
    assert merkle.verify_inclusion(leaf=ref_leaf(leaves[m]), leaf_index=m, tree_size=n, proof=path, root=root)
    proof = merkle.consistency_proof(first=first, second=n, get_node=getter_over(STORE_LARGE))
    assert proof == ref_proof(first, leaves)
    assert merkle.verify_consistency(first=first, second=n, first_root=first_root, second_root=root, proof=proof)
    assert merkle.root_hash(tree_size=n, get_node=getter_over(STORE_LARGE)) == root
