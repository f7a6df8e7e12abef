from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from accounts.roles import Role
from audit.access import is_admin
from config.errors import Conflict, NotFound
from config.prepared import pipelined, prepared_cursor
from licensing.codes import LicensingCode
from licensing.documents import jwk, parse, parse_time
from licensing.models import (
    AdaptationGrant,
    License,
    LicenseStatus,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
    OwnerKey,
    RightKind,
    WebhookDelivery,
    WebhookEndpoint,
    Work,
    WorkFile,
    WorkRight,
)
from licensing.refusals import RefusalReason
from licensing.scope import covers_territory
from licensing.trust import certified_owner, pinned_platform_keys, revocation_on_record
from likeness.models import LikenessOwner

_KIND_ROLES = {OrganisationKind.STUDIO: Role.STUDIO_MEMBER, OrganisationKind.RIGHTS_HOLDER: Role.RIGHTS_HOLDER_MEMBER}


def membership_roles(user: Any) -> set[Role]:
    kinds = Membership.objects.filter(user=user).values_list("organisation__kind", flat=True).distinct()
    return {_KIND_ROLES[OrganisationKind(kind)] for kind in kinds}


def organisations_visible_to(user: Any) -> QuerySet[Organisation]:
    """Members see their organisations; admins see all; nobody else sees any."""
    organisations = Organisation.objects.order_by("name")
    if is_admin(user):
        return organisations
    return organisations.filter(memberships__user=user).distinct()


def organisation_visible_to(user: Any, organisation_id: uuid.UUID) -> Organisation:
    organisation = organisations_visible_to(user).filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound("no such organisation")
    return organisation


def is_manager(user: Any, organisation: Organisation) -> bool:
    return (
        is_admin(user)
        or Membership.objects.filter(organisation=organisation, user=user, role=MembershipRole.MANAGER).exists()
    )


def members_of(organisation: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation=organisation).select_related("user").order_by("created_at")


# --- Works, rights, licences --------------------------------------------------------------------


def is_member(user: Any, organisation: Organisation | uuid.UUID) -> bool:
    organisation_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    return Membership.objects.filter(organisation_id=organisation_id, user=user).exists()


def works_visible_to(user: Any) -> QuerySet[Work]:
    """The holder's members see its works; a studio's members see works granted to it; admins see all."""
    works = Work.objects.select_related("holder").prefetch_related("files", "rights").order_by("title")
    if is_admin(user):
        return works
    return works.filter(
        Q(holder__memberships__user=user) | Q(adaptation_grants__studio__memberships__user=user)
    ).distinct()


def work_visible_to(user: Any, work_id: uuid.UUID) -> Work:
    work = works_visible_to(user).filter(pk=work_id).first()
    if work is None:
        raise NotFound("no such work")
    return work


def grants_of(work: Work) -> QuerySet[AdaptationGrant]:
    return AdaptationGrant.objects.filter(work=work).select_related("studio").order_by("created_at")


def grant_visible_to(user: Any, grant_id: uuid.UUID) -> AdaptationGrant:
    grants = AdaptationGrant.objects.select_related("work", "work__holder", "studio")
    if not is_admin(user):
        grants = grants.filter(Q(work__holder__memberships__user=user) | Q(studio__memberships__user=user))
    grant = grants.filter(pk=grant_id).distinct().first()
    if grant is None:
        raise NotFound("no such adaptation grant")
    return grant


def _in_term(valid_from: datetime, valid_until: datetime | None, at: datetime) -> bool:
    return valid_from <= at and (valid_until is None or at < valid_until)


def _covers(territories: list[str], territory: str | None) -> bool:
    return territory is None or covers_territory(territories, territory)


def holder_can_adapt(*, work_id: uuid.UUID | str, at: datetime, territory: str | None) -> bool:
    """Whether the work's holder declared the adaptation right, in force at `at` in `territory`."""
    rights = WorkRight.objects.filter(work_id=work_id, right=RightKind.ADAPT).values_list(
        "territories", "valid_from", "valid_until"
    )
    return any(_in_term(start, end, at) and _covers(places, territory) for places, start, end in rights)


def holds_adaptation_right(
    *,
    studio_id: uuid.UUID | str,
    work_id: uuid.UUID | str,
    holder_id: uuid.UUID | str,
    at: datetime,
    territory: str | None,
) -> bool:
    """Whether `studio` may adapt the work at `at` in `territory` (None: in some territory).

    Either the studio registered the work as its own holder and declared the adaptation right, or
    the holder (which has that right) granted it to the studio and the grant is in force and not
    revoked. The render gate applies the same rule (`adaptation_in_force`) to the terms it reads.
    """
    terms = _adaptation_terms(work_id=str(work_id), studio_id=str(studio_id))
    return adaptation_in_force(terms, studio_id=str(studio_id), holder_id=str(holder_id), at=at, territory=territory)


def licenses_visible_to(user: Any) -> QuerySet[License]:
    """The licensee's members and the likeness's owner see a licence; admins see all."""
    licenses = License.objects.select_related("likeness", "likeness__owner", "licensee").order_by("-created_at")
    if is_admin(user):
        return licenses
    from licensing.mandates import likeness_ids_represented_by  # a representative sees what he acts for

    represented = Q(likeness_id__in=likeness_ids_represented_by(user))
    return licenses.filter(Q(licensee__memberships__user=user) | Q(likeness__owner__user=user) | represented).distinct()


def license_visible_to(user: Any, license_id: uuid.UUID) -> License:
    license = licenses_visible_to(user).filter(pk=license_id).first()
    if license is None:
        raise NotFound("no such licence")
    return license


def license_for_evidence(user: Any, license_id: uuid.UUID) -> License:
    """Parties to the licence, auditors and admins may export its evidence; others see 404."""
    from audit.access import can_read_audit_trail

    if can_read_audit_trail(user):
        return license_public(license_id)
    return license_visible_to(user, license_id)


def license_public(license_id: uuid.UUID) -> License:
    license = License.objects.filter(pk=license_id).first()
    if license is None:
        raise NotFound("no such licence")
    return license


# Reasons the public may read: the platform's own codes. An owner's reason for revoking (or declining)
# is hers alone: anyone may learn that and when a licence ended, never why.
PUBLIC_REASONS = frozenset({RefusalReason.LIKENESS_ERASED.value})


@dataclass(frozen=True)
class EffectiveStatus:
    """A licence's status as the public sees it (the verifier, the signed status statement)."""

    status: str
    since: datetime
    reason: str | None


def license_effective_status(license: License, *, at: datetime) -> EffectiveStatus:
    """The status as of `at`: an active licence past its term reads expired even before the sweep runs,
    and a licence with a signed revocation on record reads revoked whatever its `status` column says."""
    if license.status != LicenseStatus.REVOKED and revocation_on_record(
        license_id=str(license.pk),
        version=license.version,
        revocation=license.revocation,
        signature=license.revocation_signature,
        platform_keys=pinned_platform_keys(),
    ):
        record = parse(license.revocation)
        return EffectiveStatus(LicenseStatus.REVOKED.value, parse_time(record["revoked_at"]), record.get("reason"))
    if license.status == LicenseStatus.ACTIVE and at >= license.valid_until:
        return EffectiveStatus(LicenseStatus.EXPIRED.value, license.valid_until, None)
    reason = {
        LicenseStatus.REVOKED: license.revoke_reason,
        LicenseStatus.DECLINED: license.decline_reason,
    }.get(LicenseStatus(license.status))
    return EffectiveStatus(license.status, license.status_changed_at, reason if reason in PUBLIC_REASONS else None)


def public_reason(reason: str) -> str | None:
    """What of a revocation's reason may be published: a platform code, or nothing."""
    return reason if reason in PUBLIC_REASONS else None


def owner_keys_of(owner: LikenessOwner) -> QuerySet[OwnerKey]:
    return OwnerKey.objects.filter(owner=owner).order_by("created_at")


def public_key_set() -> list[dict[str, Any]]:
    """The keys licences verify under, as JWKs (retired ones included): the pinned platform keys and
    every owner key the platform certified. A row inserted by hand is in neither (licensing/trust.py)."""
    pinned = pinned_platform_keys()
    platform = [jwk(public_key=public, kid=kid) for kid, public in pinned.items()]
    owners = [
        jwk(public_key=bytes(public), kid=kid)
        for kid, public, certificate, signature in OwnerKey.objects.order_by("created_at").values_list(
            "kid", "public_key", "certificate", "certificate_signature"
        )
        if certified_owner(
            kid=kid, public_key=bytes(public), certificate=certificate, signature=signature, platform_keys=pinned
        )
        is not None
    ]
    return platform + owners


def webhook_endpoints_visible_to(user: Any) -> QuerySet[WebhookEndpoint]:
    endpoints = WebhookEndpoint.objects.order_by("created_at")
    if is_admin(user):
        return endpoints
    return endpoints.filter(Q(organisation__memberships__user=user) | Q(owner__user=user)).distinct()


def webhook_endpoint_visible_to(user: Any, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = webhook_endpoints_visible_to(user).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("no such webhook endpoint")
    return endpoint


def deliveries_of(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint).prefetch_related("log").order_by("-created_at")


def studio_by_id(studio_id: uuid.UUID) -> Organisation:
    """Any studio, by id: rights holders name the studio they grant to without being its members."""
    studio = Organisation.objects.filter(pk=studio_id, kind=OrganisationKind.STUDIO).first()
    if studio is None:
        raise NotFound("no such studio")
    return studio


# --- What the render gate reads, in one query ---------------------------------------------------
#
# The gate runs before every render, and its budget is a few bare signature verifications. The
# ORM spends far longer compiling small queries than the database spends answering them, and on
# PostgreSQL every round trip costs as much again, so the gate reads all its facts with one fixed
# SQL statement, built once per database vendor from the models' table names: the licence, its
# likeness's status, the target file's work and holder, and (aggregated as JSON) the adaptation
# rights on that work held by its holder and granted to the requesting studio. It is a plain read:
# nothing here is cached between checks.


AdaptationTerm = tuple[str, list[str], datetime, datetime | None]  # ("holder"|"grant", territories, from, until)


@dataclass(frozen=True)
class GateFacts:
    license_id: str
    version: int
    status: str
    document: str
    owner_key_id: str
    owner_signature: str
    platform_key_id: str
    platform_signature: str
    likeness_id: str
    licensee_id: str
    renders_used: int
    likeness_status: str
    work_id: str | None
    holder_id: str | None
    adaptation: list[AdaptationTerm]
    # Trust (licensing/trust.py): the signed revocation on record, the likeness's owner, and the
    # owner key row's public key and platform certificate (None: no such row).
    revocation: str = ""
    revocation_signature: str = ""
    likeness_owner_id: str = ""
    owner_public_key: bytes | None = None
    owner_key_certificate: str = ""
    owner_key_certificate_signature: str = ""
    # For a licence a representative signed: the owner key row's owner and that owner's user (the
    # gate still asks which owner the certificate names).
    owner_key_owner_id: str | None = None
    owner_key_owner_user_id: str | None = None


_AGGREGATE = {
    "postgresql": "json_agg(json_build_array(t.kind, t.territories, t.valid_from, t.valid_until))",
    "sqlite": "json_group_array(json_array(t.kind, json(t.territories), t.valid_from, t.valid_until))",
}


def _adaptation_sql(work_column: str) -> str:
    right, grant = WorkRight._meta.db_table, AdaptationGrant._meta.db_table
    return (
        f"SELECT 'holder' AS kind, r.territories, r.valid_from, r.valid_until FROM {right} r"
        f" WHERE r.work_id = {work_column} AND r.{connection.ops.quote_name('right')} = %s"
        f" UNION ALL SELECT 'grant', g.territories, g.valid_from, g.valid_until FROM {grant} g"
        f" WHERE g.work_id = {work_column} AND g.studio_id = %s AND g.revoked_at IS NULL"
    )


@lru_cache(maxsize=4)
def _gate_sql(vendor: str) -> tuple[str, str]:
    from likeness.models import Likeness

    if vendor not in _AGGREGATE:
        raise NotImplementedError(f"the licence gate has no query for {vendor}")
    license, likeness = License._meta.db_table, Likeness._meta.db_table
    file, work, key = WorkFile._meta.db_table, Work._meta.db_table, OwnerKey._meta.db_table
    owner = LikenessOwner._meta.db_table
    aggregate = _AGGREGATE[vendor]
    facts = (
        f"SELECT l.id, l.version, l.status, l.document, l.owner_key_id, l.owner_signature, l.platform_key_id,"
        f" l.platform_signature, l.likeness_id, l.licensee_id, l.renders_used, k.status, f.work_id, w.holder_id,"
        f" (SELECT {aggregate} FROM ({_adaptation_sql('f.work_id')}) t),"
        f" l.revocation, l.revocation_signature, k.owner_id, ok.public_key, ok.certificate, ok.certificate_signature,"
        f" ok.owner_id, ko.user_id"
        f" FROM {license} l JOIN {likeness} k ON k.id = l.likeness_id"
        f" LEFT JOIN {key} ok ON ok.kid = l.owner_key_id"
        f" LEFT JOIN {owner} ko ON ko.id = ok.owner_id"
        f" LEFT JOIN {file} f ON f.sha256 = %s LEFT JOIN {work} w ON w.id = f.work_id"
        f" WHERE l.id = %s"
    )
    terms = f"SELECT {aggregate} FROM ({_adaptation_sql('%s')}) t"
    return facts, terms


def _uuid_param(value: str | uuid.UUID) -> Any:
    return License._meta.pk.get_db_prep_value(
        value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)), connection
    )


def _uuid_text(value: Any) -> str | None:
    return None if value is None else str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def _moment(value: str | None) -> Any:
    """An aware datetime from JSON time text (PostgreSQL: ISO with offset; SQLite: naive UTC)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _terms(aggregated: Any) -> list[AdaptationTerm]:
    rows = json.loads(aggregated) if isinstance(aggregated, str) else (aggregated or [])
    return [(kind, list(places), _moment(start), _moment(end)) for kind, places, start, end in rows]


def gate_facts(*, license_id: uuid.UUID, work_file_sha256: str, studio_id: str) -> GateFacts | None:
    """What the gate reads about a licence, the file and the studio, in one statement."""
    with prepared_cursor() as cursor:
        cursor.execute(*_gate_facts_statement(license_id, work_file_sha256, studio_id))
        return _gate_facts(cursor.fetchone())


def gate_facts_locked(*, license_id: uuid.UUID, work_file_sha256: str, studio_id: str) -> GateFacts | None:
    """Lock the licence row for the rest of the caller's transaction, then read `gate_facts`.

    Two statements, so the read takes its snapshot after the lock is held and sees whatever committed
    before it (a revocation, a freeze, another render's use): one statement would read the joined
    rows as they were before it waited for the lock. They travel in one round trip. None if there is
    no such licence (nothing is locked then)."""
    with prepared_cursor(slot="lock") as lock, prepared_cursor() as read:
        with pipelined():
            lock.execute(_lock_sql(connection.vendor), [_uuid_param(license_id)])
            read.execute(*_gate_facts_statement(license_id, work_file_sha256, studio_id))
        if lock.fetchone() is None:
            return None
        return _gate_facts(read.fetchone())


def _gate_facts_statement(license_id: uuid.UUID, work_file_sha256: str, studio_id: str) -> tuple[str, list[Any]]:
    facts_sql, _ = _gate_sql(connection.vendor)
    return facts_sql, [RightKind.ADAPT.value, _uuid_param(studio_id), work_file_sha256, _uuid_param(license_id)]


def _gate_facts(row: Any) -> GateFacts | None:
    if row is None:
        return None
    return GateFacts(
        license_id=str(_uuid_text(row[0])),
        version=int(row[1]),
        status=row[2],
        document=row[3],
        owner_key_id=row[4],
        owner_signature=row[5],
        platform_key_id=row[6],
        platform_signature=row[7],
        likeness_id=str(_uuid_text(row[8])),
        licensee_id=str(_uuid_text(row[9])),
        renders_used=int(row[10]),
        likeness_status=row[11],
        work_id=_uuid_text(row[12]),
        holder_id=_uuid_text(row[13]),
        adaptation=_terms(row[14]) if row[12] is not None else [],
        revocation=row[15] or "",
        revocation_signature=row[16] or "",
        likeness_owner_id=str(row[17]),
        owner_public_key=None if row[18] is None else bytes(row[18]),
        owner_key_certificate=row[19] or "",
        owner_key_certificate_signature=row[20] or "",
        owner_key_owner_id=None if row[21] is None else str(row[21]),
        owner_key_owner_user_id=None if row[22] is None else str(row[22]),
    )


@lru_cache(maxsize=4)
def _lock_sql(vendor: str) -> str:
    # SQLite has no row locks: its transactions take the whole database's write lock instead.
    lock = " FOR UPDATE" if vendor == "postgresql" else ""
    return f"SELECT 1 FROM {License._meta.db_table} WHERE id = %s{lock}"


def _adaptation_terms(*, work_id: str, studio_id: str) -> list[AdaptationTerm]:
    _, terms_sql = _gate_sql(connection.vendor)
    work = _uuid_param(work_id)
    with connection.cursor() as cursor:
        cursor.execute(terms_sql, [work, RightKind.ADAPT.value, work, _uuid_param(studio_id)])
        row = cursor.fetchone()
    return _terms(row[0] if row else None)


def adaptation_in_force(
    terms: list[AdaptationTerm], *, studio_id: str, holder_id: str, at: datetime, territory: str | None
) -> bool:
    """The rule: the holder's adaptation right is in force at `at` in `territory` (None: somewhere),
    and the studio is the holder itself or holds an unrevoked grant in force there too."""
    in_force = {kind for kind, places, start, end in terms if _in_term(start, end, at) and _covers(places, territory)}
    return "holder" in in_force and (holder_id == studio_id or "grant" in in_force)


def studios_known_to_holder(holder: Organisation) -> QuerySet[Organisation]:
    """Studios a rights holder has dealt with: granted an adaptation of one of its works before."""
    return (
        Organisation.objects.filter(kind=OrganisationKind.STUDIO, adaptation_grants__work__holder=holder)
        .distinct()
        .order_by("name")
    )


def studio_by_name(name: str) -> Organisation:
    """Any studio by its exact name (case aside); refuses an unknown or an ambiguous name."""
    found = list(Organisation.objects.filter(kind=OrganisationKind.STUDIO, name__iexact=name.strip())[:2])
    if not found:
        raise NotFound(f"no studio is called “{name.strip()}”", code=LicensingCode.STUDIO_UNKNOWN)
    if len(found) > 1:
        raise Conflict(f"more than one studio is called “{name.strip()}”", code=LicensingCode.STUDIO_AMBIGUOUS)
    return found[0]
