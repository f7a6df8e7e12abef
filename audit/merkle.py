"""RFC 6962 / RFC 9162 Merkle tree over an append-only log whose interior nodes are stored.

Pure module: no Django, no database, no I/O. Storage is the caller's business.

Hashing (RFC 6962 section 2.1)
------------------------------
* leaf hash  = SHA-256(0x00 || leaf data)
* node hash  = SHA-256(0x01 || left || right)
* MTH({})    = SHA-256(b"")                       (:data:`EMPTY_ROOT`)
* MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])) for n > 1, k the largest power of two < n.

Storage model
-------------
Only hashes of *complete, aligned* subtrees are stored. Node ``(level, index)`` is the MTH of
the leaves ``[index * 2**level, (index + 1) * 2**level)``; level 0 holds the leaf hashes. Such a
node is fixed forever once the log has grown past it, so the stored set is itself append-only:
appending leaf ``i`` adds ``(0, i)`` and one node per trailing 1-bit of ``i``
(:func:`new_nodes_for_leaf`), never rewriting anything.

Every range that RFC 6962's recursion ever hashes, ``[start, end)`` with ``start`` a multiple of
the smallest power of two >= ``end - start``, is the concatenation of at most ``log2(n) + 1``
complete aligned subtrees (one per 1-bit of its size, largest first). Its MTH is those stored
hashes folded from the right (:func:`subtree_hash`). Roots, inclusion proofs and consistency
proofs are therefore built from O(log n) stored nodes and O(log n) hash operations, whatever the
tree size, and none of them needs a node that a later append could change.

Reading nodes
-------------
Every builder takes ``get_node(level, index) -> bytes``, a plain callable returning a stored
node (a dict's ``__getitem__`` will do). To read all of a proof's nodes in one round trip, ask
:func:`root_nodes`, :func:`inclusion_proof_nodes` or :func:`consistency_proof_nodes` for the
exact coordinates first, fetch them in one batch, then pass a getter over the batch.

Verification
------------
:func:`verify_inclusion` and :func:`verify_consistency` are the iterative algorithms of RFC 9162
sections 2.1.3.2 and 2.1.4.2. They need no storage, never raise on bad input and return ``False``
for anything that is not a valid proof. The proof builders raise :class:`ValueError` for
arguments outside their domain.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "NodeGetter",
    "consistency_proof",
    "consistency_proof_nodes",
    "inclusion_proof",
    "inclusion_proof_nodes",
    "leaf_hash",
    "new_nodes_for_leaf",
    "node_hash",
    "root_hash",
    "root_nodes",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
]

NodeGetter = Callable[[int, int], bytes]
"""``get_node(level, index)``: the stored hash of complete subtree ``(level, index)``."""

HASH_SIZE = 32
"""Length in bytes of every hash in the tree (SHA-256)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""MTH of the empty list: SHA-256 of the empty string."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


# ---------------------------------------------------------------------------
# Shape of the tree: which ranges and which stored nodes, no hashing.
# ---------------------------------------------------------------------------


def _split(size: int) -> int:
    """The largest power of two strictly less than ``size`` (``size >= 2``)."""
    return 1 << ((size - 1).bit_length() - 1)


def _check_range(start: int, end: int) -> None:
    """Reject ranges that RFC 6962's recursion never produces (and that have no cheap MTH)."""
    if start < 0 or end <= start:
        raise ValueError(f"subtree range [{start}, {end}) must be non-empty and start at 0 or later")
    span = 1 << (end - start - 1).bit_length()  # smallest power of two >= size
    if start % span:
        raise ValueError(f"subtree range [{start}, {end}) is not aligned: start must be a multiple of {span}")


def _complete_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The complete aligned subtrees that tile ``[start, end)``, left to right, largest first.

    One per 1-bit of ``end - start``. Alignment of ``start`` (see :func:`_check_range`)
    guarantees every piece starts on a multiple of its own size.
    """
    nodes: list[tuple[int, int]] = []
    position, remaining = start, end - start
    while remaining:
        level = remaining.bit_length() - 1
        nodes.append((level, position >> level))
        position += 1 << level
        remaining -= 1 << level
    return nodes


def _inclusion_ranges(leaf_index: int, tree_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs make up PATH(m, D[n]), in the RFC's order (leaf end first).

    Walks RFC 6962 section 2.1.1 top down, so the siblings are collected root end first and
    reversed at the end.
    """
    ranges: list[tuple[int, int]] = []
    start, end = 0, tree_size
    while end - start > 1:
        k = _split(end - start)
        if leaf_index < start + k:
            ranges.append((start + k, end))  # PATH(m, D[0:k]) : MTH(D[k:n])
            end = start + k
        else:
            ranges.append((start, start + k))  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            start += k
    ranges.reverse()
    return ranges


def _consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs make up PROOF(m, D[n]) = SUBPROOF(m, D[n], true), in order.

    Walks RFC 6962 section 2.1.2 top down; ``known`` is the SUBPROOF flag ``b`` ("the verifier
    already has MTH(D[0:m]) of this subtree").
    """
    ranges: list[tuple[int, int]] = []
    start, end, known = 0, second, True
    while True:
        size, m = end - start, first - start
        if m == size:
            if not known:
                ranges.append((start, end))  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
            break
        k = _split(size)
        if m <= k:
            ranges.append((start + k, end))  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            end = start + k
        else:
            ranges.append((start, start + k))  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            start += k
            known = False
    ranges.reverse()
    return ranges


def _check_inclusion_args(leaf_index: int, tree_size: int) -> None:
    if not 0 <= leaf_index < tree_size:
        raise ValueError(f"leaf index {leaf_index} is not in a tree of size {tree_size}")


def _check_consistency_args(first: int, second: int) -> None:
    if not 0 < first <= second:
        raise ValueError(f"a consistency proof needs 0 < first <= second, not first={first}, second={second}")


def _unique(ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    nodes: dict[tuple[int, int], None] = {}
    for start, end in ranges:
        nodes.update(dict.fromkeys(_complete_nodes(start, end)))
    return list(nodes)


def root_nodes(*, tree_size: int) -> list[tuple[int, int]]:
    """The stored ``(level, index)`` nodes :func:`root_hash` reads for ``tree_size``."""
    if tree_size < 0:
        raise ValueError(f"tree size {tree_size} is negative")
    return _complete_nodes(0, tree_size)


def inclusion_proof_nodes(*, leaf_index: int, tree_size: int) -> list[tuple[int, int]]:
    """The stored ``(level, index)`` nodes :func:`inclusion_proof` reads, for one batched fetch."""
    _check_inclusion_args(leaf_index, tree_size)
    return _unique(_inclusion_ranges(leaf_index, tree_size))


def consistency_proof_nodes(*, first: int, second: int) -> list[tuple[int, int]]:
    """The stored ``(level, index)`` nodes :func:`consistency_proof` reads, for one batched fetch."""
    _check_consistency_args(first, second)
    return _unique(_consistency_ranges(first, second))


# ---------------------------------------------------------------------------
# Building: appends, roots and proofs from stored nodes.
# ---------------------------------------------------------------------------


def new_nodes_for_leaf(*, leaf_index: int, leaf: bytes, get_node: NodeGetter) -> list[tuple[int, int, bytes]]:
    """Every ``(level, index, hash)`` node that becomes complete when leaf ``leaf_index`` is appended.

    ``leaf`` is the leaf *hash* (:func:`leaf_hash` of the entry's bytes). Leaves
    ``0 .. leaf_index - 1`` and all their complete subtrees must already be stored.
    The result starts with ``(0, leaf_index, leaf)`` and climbs one level per trailing 1-bit of
    ``leaf_index``: each new node's left child is read from storage (it completed earlier) and
    its right child is the node just built. O(log n) reads and hashes; nothing stored is
    ever modified.
    """
    if leaf_index < 0:
        raise ValueError(f"leaf index {leaf_index} is negative")
    if len(leaf) != HASH_SIZE:
        raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, not {len(leaf)}")
    nodes = [(0, leaf_index, leaf)]
    level, index, current = 0, leaf_index, leaf
    while index & 1:
        current = node_hash(get_node(level, index - 1), current)
        level, index = level + 1, index >> 1
        nodes.append((level, index, current))
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its complete pieces (largest first): fold from the right."""
    acc = hashes[-1]
    for piece in reversed(hashes[:-1]):
        acc = node_hash(piece, acc)
    return acc


def _range_hash(start: int, end: int, get_node: NodeGetter) -> bytes:
    return _fold([get_node(level, index) for level, index in _complete_nodes(start, end)])


def subtree_hash(*, start: int, end: int, get_node: NodeGetter) -> bytes:
    """MTH of leaves ``[start, end)`` from stored complete nodes.

    Valid for every range RFC 6962's recursion produces: non-empty, with ``start`` a multiple of
    the smallest power of two >= ``end - start`` (anything else raises :class:`ValueError`). Reads
    one stored node per 1-bit of ``end - start``, so at most ``log2(end - start) + 1``.
    """
    _check_range(start, end)
    return _range_hash(start, end, get_node)


def root_hash(*, tree_size: int, get_node: NodeGetter) -> bytes:
    """MTH(D[tree_size]): :data:`EMPTY_ROOT` for 0, otherwise at most ``log2(n) + 1`` reads."""
    if tree_size < 0:
        raise ValueError(f"tree size {tree_size} is negative")
    if tree_size == 0:
        return EMPTY_ROOT
    return _range_hash(0, tree_size, get_node)


def inclusion_proof(*, leaf_index: int, tree_size: int, get_node: NodeGetter) -> list[bytes]:
    """PATH(leaf_index, D[tree_size]) of RFC 6962 section 2.1.1, in the RFC's order.

    The first element is the leaf's sibling, the last is the root's child on the side away from
    the leaf. At most ``ceil(log2(n))`` hashes. Siblings left of the path and siblings inside
    a perfect subtree are single stored nodes; the only incomplete sibling (the right-hand
    remainder where the path first turns left) costs one read per 1-bit of its size, so the whole
    proof reads fewer than ``2 * log2(n) + 2`` nodes.
    """
    _check_inclusion_args(leaf_index, tree_size)
    return [_range_hash(start, end, get_node) for start, end in _inclusion_ranges(leaf_index, tree_size)]


def consistency_proof(*, first: int, second: int, get_node: NodeGetter) -> list[bytes]:
    """PROOF(first, D[second]) of RFC 6962 section 2.1.2 (SUBPROOF with b = true), in the RFC's order.

    Requires ``0 < first <= second``; ``first == second`` gives the empty proof. At most
    ``ceil(log2(second)) + 1`` hashes read from fewer than ``2 * log2(second) + 3`` stored nodes,
    by the same argument as :func:`inclusion_proof`.
    """
    _check_consistency_args(first, second)
    return [_range_hash(start, end, get_node) for start, end in _consistency_ranges(first, second)]


# ---------------------------------------------------------------------------
# Verifying (RFC 9162): no storage, never raises.
# ---------------------------------------------------------------------------


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def verify_inclusion(*, leaf: bytes, leaf_index: int, tree_size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: does ``proof`` show leaf hash ``leaf`` at ``leaf_index`` under ``root``?

    ``leaf`` is the leaf *hash*, as stored at level 0. Returns ``False`` (never raises) for an
    index outside the tree, a proof of the wrong length, or any hash that is not 32 bytes.
    """
    if not (_is_hash(leaf) and _is_hash(root) and all(_is_hash(p) for p in proof)):
        return False
    if not 0 <= leaf_index < tree_size:  # step 1
        return False
    fn, sn = leaf_index, tree_size - 1  # step 2
    r = leaf  # step 3
    for p in proof:  # step 4
        if sn == 0:  # 4a
            return False
        if fn & 1 or fn == sn:  # 4b
            r = node_hash(p, r)
            while fn and not fn & 1:  # LSB(fn) not set: climb to where fn is a right child
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1  # 4c
    return sn == 0 and hmac.compare_digest(r, root)  # step 5


def verify_consistency(*, first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2: is the tree of size ``second`` an append-only extension of ``first``?

    Beyond the RFC's algorithm (which covers ``0 < first < second``), ``first == second`` is
    accepted exactly when the proof is empty and the two roots are equal, matching
    :func:`consistency_proof`. ``first == 0`` is rejected, as the generator rejects it: a proof
    from the empty tree carries no information. Never raises.
    """
    if not (_is_hash(first_root) and _is_hash(second_root) and all(_is_hash(p) for p in proof)):
        return False
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and hmac.compare_digest(first_root, second_root)
    if not proof:  # step 1
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # step 2: first is an exact power of two
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1  # step 3
    while fn & 1:  # step 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:  # LSB(fn) not set: climb to where fn is a right child
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and hmac.compare_digest(fr, first_root) and hmac.compare_digest(sr, second_root)  # step 7
