"""The PostgreSQL side of an audit append: staged in the caller's transaction, chained at its COMMIT.

Why in the database: appends must be serialised from reading the chain head until commit, so that
critical section bounds the platform's audit throughput. Python still does the canonicalisation
(RFC 8785) before anything is sent; the database only splices the seq into the canonical text (see
chain.canonical_entry_around_seq) and hashes it with SHA-256, so the format has one definition and
the verifier (pure Python) checks what the database wrote.

Why at COMMIT: the lock that orders appenders is held until the appending transaction commits. When
the entry was chained by a statement of its own, the lock was held across the result travelling back
to the client, the client's Python and the COMMIT round trip: with 8 writers on 2 cores the holder's
client process was often waiting for a core while every other appender waited for it. So `audit_record`
only stages the entry (`STAGE_FUNCTION`: one INSERT into the unlogged `audit_entry_pending`, no lock),
and a deferred constraint trigger on that table (`CHAIN_TRIGGER`) chains it while the transaction
commits: it takes the advisory lock, reads the head, hashes, inserts into audit_entry, and the server
goes straight on to write the commit record and release the lock. No client round trip and no client
code run under the lock. The trigger fires at every commit that has staged entries, whoever commits:
there is no way to commit a staged entry without chaining it, and a rolled-back (or rolled-back
savepoint's) entry never reaches the chain, so seqs stay gapless.

What the caller gives up: inside its transaction, the entry is not in audit_entry yet and its seq and
hashes are unknown; audit_record fills them in on the returned instance after the commit. Where a
transaction never commits (a test case's), or there is none (autocommit), the entry is chained at
once (`p_chain_now`), by the same trigger.

Deadlocks: Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so their checks (which lock the
rows they reference, FOR KEY SHARE) would also run at COMMIT, and one queued after the chain trigger
would wait for a row lock while holding the audit lock, which a transaction holding that row and
waiting to chain could deadlock with. The first staging in a transaction therefore makes every other
constraint IMMEDIATE for the rest of the transaction (checking what is outstanding now), so at COMMIT
only the chain triggers run.

Durability: the chaining transaction commits without waiting for the WAL flush (`synchronous_commit`
off, local to it), so appenders do not queue through one fsync each under the lock. The chain stays
whole across a crash because WAL is replayed in order: an entry chained onto another has its commit
record after that one's, so a crash can only cut a suffix of the chain (with the business writes of
the same transactions), never a middle. `AFTER_COMMIT_FUNCTION`, run by audit_record right after the
commit, is a tiny transaction that writes WAL and commits synchronously, so it returns once everything
before it, the append included, is on disk (concurrent appenders share flushes). It also returns and
clears what the trigger noted in the session: the entries this session chained since the last call
(seq and hashes), and how long it waited for the lock (microseconds, which the benchmark reads).

Under the lock, then: the head read (one backward index scan), one heap row and six index entries into
audit_entry (no index the queries do not need, see migration 0009), a few session settings, and the
commit record.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

# Arbitrary but fixed: the advisory lock key that serialises audit appends on PostgreSQL.
APPEND_LOCK_KEY = 4_707_284_735_218_591_603

PENDING_TABLE = "audit_entry_pending"
STAGE_FUNCTION = "audit_entry_stage"
CHAIN_FUNCTION = "audit_entry_chain"
CHAIN_TRIGGER = "audit_entry_pending_chain"
AFTER_COMMIT_FUNCTION = "audit_entry_after_commit"

# Before this design: one function that chained in the caller's statement (migrations 0003-0009).
_LEGACY_DROP = (
    "DROP FUNCTION IF EXISTS audit_entry_append(timestamptz, bigint, text, text, text, text, jsonb, text, text);"
)

_STAGE_SIGNATURE = "timestamptz, bigint, text, text, text, text, jsonb, text, text, boolean"

# UNLOGGED: a staged row lives only inside its transaction (the trigger deletes it before COMMIT), so
# it needs no WAL and nothing of it has to survive a crash.
_CREATE_TABLE = f"""
CREATE UNLOGGED TABLE IF NOT EXISTS {PENDING_TABLE} (
    id bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL, actor_id bigint NULL, actor_label text NOT NULL, action text NOT NULL,
    target_type text NOT NULL, target_id text NOT NULL, data jsonb NOT NULL,
    canonical_head text NOT NULL, canonical_tail text NOT NULL
);
"""

_CREATE_CHAIN = f"""
CREATE OR REPLACE FUNCTION {CHAIN_FUNCTION}() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_asked timestamptz;
    v_waited bigint;
    v_seq bigint;
    v_prev text;
BEGIN
    DELETE FROM {PENDING_TABLE} WHERE id = NEW.id;
    -- Commit without waiting for the WAL flush, so the lock is not held through an fsync (see above).
    PERFORM set_config('synchronous_commit', 'off', true);
    v_asked := clock_timestamp();
    PERFORM pg_advisory_xact_lock({APPEND_LOCK_KEY});
    v_waited := (extract(epoch FROM clock_timestamp() - v_asked) * 1000000)::bigint;
    -- Under the lock until the commit record is written: this statement's snapshot is taken now
    -- (READ COMMITTED), so it sees the previous holder's commit.
    SELECT e.seq, e.entry_hash INTO v_seq, v_prev FROM audit_entry e ORDER BY e.seq DESC LIMIT 1;
    IF v_seq IS NULL THEN
        v_seq := 0;
        v_prev := repeat('0', 64);
    END IF;
    v_seq := v_seq + 1;
    INSERT INTO audit_entry (seq, created_at, actor_id, actor_label, action, target_type, target_id, data,
                             prev_hash, entry_hash)
    VALUES (v_seq, NEW.created_at, NEW.actor_id, NEW.actor_label, NEW.action, NEW.target_type, NEW.target_id,
            NEW.data, v_prev,
            encode(sha256(decode(v_prev, 'hex')
                          || convert_to(NEW.canonical_head || v_seq::text || NEW.canonical_tail, 'UTF8')), 'hex'));
    -- Session settings (they survive the commit, and roll back with it): what audit_record learns
    -- afterwards. The range starts afresh at a transaction's first chaining, so a range the caller
    -- never read back (its after-commit call did not run) cannot shift this one.
    IF coalesce(current_setting('audit.chained_in_transaction', true), '') = ''
       OR coalesce(current_setting('audit.first_seq', true), '') = '' THEN
        PERFORM set_config('audit.chained_in_transaction', 'yes', true);
        PERFORM set_config('audit.first_seq', v_seq::text, false);
        PERFORM set_config('audit.lock_wait_us', v_waited::text, false);
    ELSE
        PERFORM set_config('audit.lock_wait_us',
                           (current_setting('audit.lock_wait_us')::bigint + v_waited)::text, false);
    END IF;
    PERFORM set_config('audit.last_seq', v_seq::text, false);
    RETURN NULL;
END $$;
"""

_CREATE_TRIGGER = [
    f"DROP TRIGGER IF EXISTS {CHAIN_TRIGGER} ON {PENDING_TABLE};",
    f"""CREATE CONSTRAINT TRIGGER {CHAIN_TRIGGER} AFTER INSERT ON {PENDING_TABLE}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {CHAIN_FUNCTION}();""",
]

_CREATE_STAGE = f"""
CREATE OR REPLACE FUNCTION {STAGE_FUNCTION}(
    p_created_at timestamptz, p_actor_id bigint, p_actor_label text, p_action text,
    p_target_type text, p_target_id text, p_data jsonb, p_canonical_head text, p_canonical_tail text,
    p_chain_now boolean,
    OUT new_seq bigint, OUT new_prev_hash text, OUT new_entry_hash text
) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF coalesce(current_setting('audit.staged_in_transaction', true), '') = '' THEN
        -- Once a transaction: every other deferred check runs now and from now on, so that at COMMIT
        -- nothing but the chain takes locks after the audit lock (see above).
        SET CONSTRAINTS ALL IMMEDIATE;
        SET CONSTRAINTS {CHAIN_TRIGGER} DEFERRED;
        PERFORM set_config('audit.staged_in_transaction', 'yes', true);
    END IF;
    IF p_chain_now THEN
        SET CONSTRAINTS {CHAIN_TRIGGER} IMMEDIATE;  -- fires at the end of the INSERT below
    END IF;
    INSERT INTO {PENDING_TABLE} (created_at, actor_id, actor_label, action, target_type, target_id, data,
                                 canonical_head, canonical_tail)
    VALUES (p_created_at, p_actor_id, p_actor_label, p_action, p_target_type, p_target_id, p_data,
            p_canonical_head, p_canonical_tail);
    IF p_chain_now THEN
        SELECT e.seq, e.prev_hash, e.entry_hash INTO new_seq, new_prev_hash, new_entry_hash
        FROM audit_entry e WHERE e.seq = current_setting('audit.last_seq')::bigint;
    END IF;
END $$;
"""

# Run in autocommit right after the appending transaction commits: a synchronous commit of its own
# (so it returns once the append's WAL is flushed), and the entries the trigger chained for this
# session since the last call, with the lock wait they took between them (in every row).
_CREATE_AFTER_COMMIT = f"""
CREATE OR REPLACE FUNCTION {AFTER_COMMIT_FUNCTION}()
RETURNS TABLE (seq bigint, prev_hash text, entry_hash text, lock_wait_us bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_first bigint := nullif(current_setting('audit.first_seq', true), '')::bigint;
    v_last bigint := nullif(current_setting('audit.last_seq', true), '')::bigint;
    v_waited bigint := coalesce(nullif(current_setting('audit.lock_wait_us', true), ''), '0')::bigint;
BEGIN
    PERFORM pg_logical_emit_message(true, 'audit', '');
    PERFORM set_config('audit.first_seq', '', false);
    PERFORM set_config('audit.last_seq', '', false);
    PERFORM set_config('audit.lock_wait_us', '', false);
    RETURN QUERY SELECT e.seq, e.prev_hash::text, e.entry_hash::text, v_waited
                 FROM audit_entry e WHERE e.seq BETWEEN v_first AND v_last ORDER BY e.seq;
END $$;
"""

AFTER_COMMIT_SQL = f"SELECT seq, prev_hash, entry_hash, lock_wait_us FROM {AFTER_COMMIT_FUNCTION}()"
STAGE_SQL = (
    f"SELECT new_seq, new_prev_hash, new_entry_hash FROM {STAGE_FUNCTION}"
    "(%s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s)"
)

_DROP = [
    f"DROP TABLE IF EXISTS {PENDING_TABLE};",  # takes its trigger with it
    f"DROP FUNCTION IF EXISTS {CHAIN_FUNCTION}();",
    f"DROP FUNCTION IF EXISTS {STAGE_FUNCTION}({_STAGE_SIGNATURE});",
    f"DROP FUNCTION IF EXISTS {AFTER_COMMIT_FUNCTION}();",
]


def install_append_function(connection: BaseDatabaseWrapper) -> None:
    """Install (or bring up to date) the staging table, its chain trigger and the two functions."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LEGACY_DROP)
            cursor.execute(f"DROP FUNCTION IF EXISTS {STAGE_FUNCTION}({_STAGE_SIGNATURE});")
            cursor.execute(f"DROP FUNCTION IF EXISTS {AFTER_COMMIT_FUNCTION}();")
            cursor.execute(_CREATE_TABLE)
            cursor.execute(_CREATE_CHAIN)
            for statement in _CREATE_TRIGGER:
                cursor.execute(statement)
            cursor.execute(_CREATE_STAGE)
            cursor.execute(_CREATE_AFTER_COMMIT)


def drop_append_function(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in _DROP:
                cursor.execute(statement)
