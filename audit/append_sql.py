"""The PostgreSQL side of an audit append: one server-side call that locks, chains and inserts.

Why in the database: appends must be serialised from reading the chain head until commit, so that
critical section bounds the platform's audit throughput. Done from Python it costs three client
round trips (lock, read head, insert) plus the commit; done here it costs one call plus the commit.
Python still does the canonicalisation (RFC 8785) before the lock; the function only splices the
seq into the canonical text (see chain.canonical_entry_around_seq) and hashes it with SHA-256,
so the format has one definition and the verifier (pure Python) checks what this function wrote.

Inside a VOLATILE PL/pgSQL function each statement takes a fresh snapshot under READ COMMITTED, so
the head read after the advisory lock sees the entry the previous lock holder committed.

The lock is held until the appending transaction commits. With a synchronous commit that includes
the WAL flush (an fsync), so appenders would queue through one fsync each and never share one: the
whole trail would be capped at 1 / fsync latency whatever the number of writers. The function
therefore makes its own transaction commit asynchronously (`synchronous_commit = off`, local to
that transaction): the commit record is written and the entry becomes visible, and the lock passes
on, without waiting for the flush. The chain stays whole across a crash because WAL is replayed in
order: an entry chained onto another has its commit record after that one's, so a crash can only
cut a suffix of the chain (with the business writes of the same transactions), never a middle.
Durability is then restored outside the lock: `DURABLE_SQL` is a tiny transaction that writes WAL
and commits synchronously, so it returns once everything before it, our append included, is on
disk; audit_record runs it right after the append commits, and concurrent appenders share flushes.
The function also returns how long it waited for the lock (microseconds), which the benchmark reads.

What the lock covers, and so what bounds appends per second inside services' transactions: the head
read and the insert (one index scan, one heap row, six index entries: no index the queries do not
need, see migration 0009), the result travelling back to the client, the few Python lines before the
caller's COMMIT (audit_record registers its durability wait before the call, so it only reads the
result), and the COMMIT round trip. Nothing else is sent in between (a test checks it). The two
client round trips cannot leave the lock while the entry, with its seq and hash, is written and
visible inside the caller's transaction: chaining at commit time instead (a deferred trigger) would
hide the entry from the transaction that wrote it and from every non-committing test transaction.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

# Arbitrary but fixed: the advisory lock key that serialises audit appends on PostgreSQL.
APPEND_LOCK_KEY = 4_707_284_735_218_591_603

FUNCTION = "audit_entry_append"

_CREATE = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(
    p_created_at timestamptz, p_actor_id bigint, p_actor_label text, p_action text,
    p_target_type text, p_target_id text, p_data jsonb, p_canonical_head text, p_canonical_tail text,
    OUT new_seq bigint, OUT new_prev_hash text, OUT new_entry_hash text, OUT lock_wait_us bigint
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_asked timestamptz;
BEGIN
    -- Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: left alone, the caller's inserts
    -- would lock the rows they reference (FOR KEY SHARE) only at COMMIT, after this function has
    -- taken the audit lock. A transaction holding one of those rows FOR UPDATE and waiting for the
    -- audit lock would then deadlock with us. Checking them now takes those row locks before ours.
    SET CONSTRAINTS ALL IMMEDIATE;
    -- Commit without waiting for the WAL flush, so the lock is not held through an fsync (see above).
    PERFORM set_config('synchronous_commit', 'off', true);
    v_asked := clock_timestamp();
    PERFORM pg_advisory_xact_lock({APPEND_LOCK_KEY});
    lock_wait_us := (extract(epoch FROM clock_timestamp() - v_asked) * 1000000)::bigint;
    -- Under the lock: read the head (this statement's snapshot is taken now, so it sees the previous
    -- holder's commit), chain onto it and insert. Nothing else happens between here and COMMIT.
    SELECT e.seq, e.entry_hash INTO new_seq, new_prev_hash FROM audit_entry e ORDER BY e.seq DESC LIMIT 1;
    IF new_seq IS NULL THEN
        new_seq := 0;
        new_prev_hash := repeat('0', 64);
    END IF;
    new_seq := new_seq + 1;
    new_entry_hash := encode(sha256(decode(new_prev_hash, 'hex')
                                    || convert_to(p_canonical_head || new_seq::text || p_canonical_tail, 'UTF8')),
                             'hex');
    INSERT INTO audit_entry (seq, created_at, actor_id, actor_label, action, target_type, target_id, data,
                             prev_hash, entry_hash)
    VALUES (new_seq, p_created_at, p_actor_id, p_actor_label, p_action, p_target_type, p_target_id, p_data,
            new_prev_hash, new_entry_hash);
END $$;
"""

# A transaction that writes a little WAL and commits synchronously: it returns once the WAL up to
# its commit record is flushed, which covers every commit before it, whichever session made it.
DURABLE_SQL = "SELECT pg_logical_emit_message(true, 'audit', '')"

_DROP = f"DROP FUNCTION IF EXISTS {FUNCTION}(timestamptz, bigint, text, text, text, text, jsonb, text, text);"


def install_append_function(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_DROP)  # CREATE OR REPLACE cannot change the columns a function returns
            cursor.execute(_CREATE)


def drop_append_function(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_DROP)
