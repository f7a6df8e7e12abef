from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import user_by_username
from config.errors import Forbidden, row_id
from licensing.codes import LicensingCode
from licensing.evidence import license_evidence_bundle
from licensing.gate import license_authorize
from licensing.lifecycle import (
    LicenseTerms,
    license_approve,
    license_decline,
    license_request,
    license_revoke,
    license_status_statement,
)
from licensing.models import (
    KeyCustody,
    License,
    MembershipRole,
    Organisation,
    OrganisationKind,
    RightKind,
    Work,
    WorkKind,
)
from licensing.parties import membership_add, membership_remove, organisation_create
from licensing.selectors import (
    deliveries_of,
    grant_visible_to,
    grants_of,
    is_member,
    license_for_evidence,
    license_public,
    license_visible_to,
    licenses_visible_to,
    members_of,
    organisation_visible_to,
    organisations_visible_to,
    owner_keys_of,
    public_key_set,
    studio_by_id,
    webhook_endpoint_visible_to,
    webhook_endpoints_visible_to,
    work_visible_to,
    works_visible_to,
)
from licensing.serializers import (
    AdaptationGrantIn,
    AdaptationGrantOut,
    LicenseApproveIn,
    LicenseCheckIn,
    LicenseCheckOut,
    LicenseOut,
    LicenseRequestIn,
    MembershipAddIn,
    MembershipOut,
    OrganisationCreateIn,
    OrganisationOut,
    OwnerKeyIn,
    OwnerKeyOut,
    ReasonIn,
    WebhookDeliveryOut,
    WebhookEndpointCreatedOut,
    WebhookEndpointIn,
    WebhookEndpointOut,
    WorkFileIn,
    WorkFileOut,
    WorkOut,
    WorkRegisterIn,
    WorkRightIn,
    WorkRightOut,
)
from licensing.signing_keys import owner_key_create_custodial, owner_key_register, platform_key_current
from licensing.webhook_delivery import webhook_endpoint_create, webhook_endpoint_disable
from licensing.works import (
    WorkFileSpec,
    WorkRightSpec,
    adaptation_grant_create,
    adaptation_grant_revoke,
    work_file_add,
    work_register,
    work_right_add,
)
from likeness.codes import LikenessCode
from likeness.models import LikenessOwner
from likeness.selectors import owner_of


class OrganisationListApi(ListAPIView[Organisation]):
    serializer_class = OrganisationOut

    def get_queryset(self) -> Any:
        return organisations_visible_to(self.request.user)

    @extend_schema(request=OrganisationCreateIn, responses={201: OrganisationOut})
    def post(self, request: Request) -> Response:
        given = OrganisationCreateIn(data=request.data)
        given.is_valid(raise_exception=True)
        organisation = organisation_create(
            name=given.validated_data["name"],
            kind=OrganisationKind(given.validated_data["kind"]),
            creator=request.user,
            actor=request.user,
        )
        return Response(OrganisationOut(organisation).data, status=status.HTTP_201_CREATED)


class OrganisationDetailApi(APIView):
    @extend_schema(responses=OrganisationOut)
    def get(self, request: Request, organisation_id: uuid.UUID) -> Response:
        return Response(OrganisationOut(organisation_visible_to(request.user, organisation_id)).data)


class MembershipListApi(APIView):
    @extend_schema(responses=MembershipOut(many=True))
    def get(self, request: Request, organisation_id: uuid.UUID) -> Response:
        organisation = organisation_visible_to(request.user, organisation_id)
        return Response(MembershipOut(members_of(organisation), many=True).data)

    @extend_schema(request=MembershipAddIn, responses={201: MembershipOut})
    def post(self, request: Request, organisation_id: uuid.UUID) -> Response:
        organisation = organisation_visible_to(request.user, organisation_id)
        given = MembershipAddIn(data=request.data)
        given.is_valid(raise_exception=True)
        membership = membership_add(
            organisation=organisation,
            user=user_by_username(given.validated_data["username"]),
            role=MembershipRole(given.validated_data["role"]),
            actor=request.user,
        )
        return Response(MembershipOut(membership).data, status=status.HTTP_201_CREATED)


class MembershipDetailApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, organisation_id: uuid.UUID, user_id: int) -> Response:
        organisation = organisation_visible_to(request.user, organisation_id)
        membership_remove(organisation=organisation, user_id=row_id(user_id, field="user_id"), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Works and rights ---------------------------------------------------------------------------


class WorkListApi(ListAPIView[Work]):
    serializer_class = WorkOut

    def get_queryset(self) -> Any:
        return works_visible_to(self.request.user)

    @extend_schema(request=WorkRegisterIn, responses={201: WorkOut})
    def post(self, request: Request) -> Response:
        given = WorkRegisterIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        work = work_register(
            holder=organisation_visible_to(request.user, data["holder_id"]),
            title=data["title"],
            kind=WorkKind(data["kind"]),
            identifiers=data["identifiers"],
            files=[WorkFileSpec(**f) for f in data["files"]],
            rights=[_right_spec(r) for r in data["rights"]],
            actor=request.user,
        )
        return Response(WorkOut(work_visible_to(request.user, work.pk)).data, status=status.HTTP_201_CREATED)


def _right_spec(data: dict[str, Any]) -> WorkRightSpec:
    return WorkRightSpec(
        right=RightKind(data["right"]),
        territories=data["territories"],
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
    )


class WorkDetailApi(APIView):
    @extend_schema(responses=WorkOut)
    def get(self, request: Request, work_id: uuid.UUID) -> Response:
        return Response(WorkOut(work_visible_to(request.user, work_id)).data)


class WorkFileListApi(APIView):
    @extend_schema(request=WorkFileIn, responses={201: WorkFileOut})
    def post(self, request: Request, work_id: uuid.UUID) -> Response:
        given = WorkFileIn(data=request.data)
        given.is_valid(raise_exception=True)
        file = work_file_add(
            work=work_visible_to(request.user, work_id), file=WorkFileSpec(**given.validated_data), actor=request.user
        )
        return Response(WorkFileOut(file).data, status=status.HTTP_201_CREATED)


class WorkRightListApi(APIView):
    @extend_schema(request=WorkRightIn, responses={201: WorkRightOut})
    def post(self, request: Request, work_id: uuid.UUID) -> Response:
        given = WorkRightIn(data=request.data)
        given.is_valid(raise_exception=True)
        right = work_right_add(
            work=work_visible_to(request.user, work_id), right=_right_spec(given.validated_data), actor=request.user
        )
        return Response(WorkRightOut(right).data, status=status.HTTP_201_CREATED)


class WorkGrantListApi(APIView):
    @extend_schema(responses=AdaptationGrantOut(many=True))
    def get(self, request: Request, work_id: uuid.UUID) -> Response:
        return Response(AdaptationGrantOut(grants_of(work_visible_to(request.user, work_id)), many=True).data)

    @extend_schema(request=AdaptationGrantIn, responses={201: AdaptationGrantOut})
    def post(self, request: Request, work_id: uuid.UUID) -> Response:
        given = AdaptationGrantIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        grant = adaptation_grant_create(
            work=work_visible_to(request.user, work_id),
            studio=studio_by_id(data["studio_id"]),
            territories=data["territories"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            actor=request.user,
        )
        return Response(AdaptationGrantOut(grant).data, status=status.HTTP_201_CREATED)


class AdaptationGrantRevokeApi(APIView):
    @extend_schema(request=ReasonIn, responses=AdaptationGrantOut)
    def post(self, request: Request, grant_id: uuid.UUID) -> Response:
        given = ReasonIn(data=request.data)
        given.is_valid(raise_exception=True)
        grant = adaptation_grant_revoke(
            grant=grant_visible_to(request.user, grant_id), reason=given.validated_data["reason"], actor=request.user
        )
        return Response(AdaptationGrantOut(grant).data)


# --- Owner keys ---------------------------------------------------------------------------------


def _owner(request: Request) -> LikenessOwner:
    owner = owner_of(request.user)
    if owner is None:
        raise Forbidden("only likeness owners hold signing keys", code=LikenessCode.NOT_AN_OWNER)
    return owner


class OwnerKeyListApi(APIView):
    """The calling owner's signing keys. POST rotates: a new custodial key, or a self-custody public key."""

    @extend_schema(responses=OwnerKeyOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(OwnerKeyOut(owner_keys_of(_owner(request)), many=True).data)

    @extend_schema(request=OwnerKeyIn, responses={201: OwnerKeyOut})
    def post(self, request: Request) -> Response:
        given = OwnerKeyIn(data=request.data)
        given.is_valid(raise_exception=True)
        owner = _owner(request)
        if given.validated_data["custody"] == KeyCustody.CUSTODIAL:
            key = owner_key_create_custodial(owner=owner, actor=request.user)
        else:
            key = owner_key_register(
                owner=owner, public_key=given.validated_data.get("public_key", ""), actor=request.user
            )
        return Response(OwnerKeyOut(key).data, status=status.HTTP_201_CREATED)


# --- Licences -----------------------------------------------------------------------------------


class LicenseListApi(ListAPIView[License]):
    serializer_class = LicenseOut

    def get_queryset(self) -> Any:
        return licenses_visible_to(self.request.user)

    @extend_schema(request=LicenseRequestIn, responses={201: LicenseOut})
    def post(self, request: Request) -> Response:
        given = LicenseRequestIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        fee = data["fee_per_render"]
        license = license_request(
            studio=organisation_visible_to(request.user, data["studio_id"]),
            likeness_id=data["likeness_id"],
            terms=LicenseTerms(
                work_ids=data["works"],
                purposes=data["purposes"],
                media_types=data["media_types"],
                territories=data["territories"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                max_renders=data["max_renders"],
                max_output_seconds=data["max_output_seconds"],
                prohibited_uses=data["prohibited_uses"],
                label_text=data["label_text"],
                attribution=data["attribution"],
                fee_per_render=None if fee is None else {"amount": str(fee["amount"]), "currency": fee["currency"]},
            ),
            actor=request.user,
        )
        return Response(LicenseOut(license, context={"request": request}).data, status=status.HTTP_201_CREATED)


class LicenseDetailApi(APIView):
    @extend_schema(responses=LicenseOut)
    def get(self, request: Request, license_id: uuid.UUID) -> Response:
        return Response(LicenseOut(license_visible_to(request.user, license_id), context={"request": request}).data)


class LicenseApproveApi(APIView):
    """The owner approves: the platform signs with the owner's custodial key, or verifies the
    owner's uploaded signature over `canonical_document`; then it countersigns."""

    @extend_schema(request=LicenseApproveIn, responses=LicenseOut)
    def post(self, request: Request, license_id: uuid.UUID) -> Response:
        given = LicenseApproveIn(data=request.data)
        given.is_valid(raise_exception=True)
        license = license_approve(
            license=license_visible_to(request.user, license_id),
            signature=given.validated_data.get("signature"),
            actor=request.user,
        )
        return Response(LicenseOut(license, context={"request": request}).data)


class LicenseDeclineApi(APIView):
    @extend_schema(request=ReasonIn, responses=LicenseOut)
    def post(self, request: Request, license_id: uuid.UUID) -> Response:
        given = ReasonIn(data=request.data)
        given.is_valid(raise_exception=True)
        license = license_decline(
            license=license_visible_to(request.user, license_id),
            reason=given.validated_data["reason"],
            actor=request.user,
        )
        return Response(LicenseOut(license, context={"request": request}).data)


class LicenseRevokeApi(APIView):
    @extend_schema(request=ReasonIn, responses=LicenseOut)
    def post(self, request: Request, license_id: uuid.UUID) -> Response:
        given = ReasonIn(data=request.data)
        given.is_valid(raise_exception=True)
        license = license_revoke(
            license=license_visible_to(request.user, license_id),
            reason=given.validated_data["reason"],
            actor=request.user,
        )
        return Response(LicenseOut(license, context={"request": request}).data)


class LicenseCheckApi(APIView):
    """A dry run of the render gate for the licensee: would a render like this be allowed now?
    Reserves nothing."""

    @extend_schema(request=LicenseCheckIn, responses=LicenseCheckOut)
    def post(self, request: Request, license_id: uuid.UUID) -> Response:
        license = license_visible_to(request.user, license_id)
        given = LicenseCheckIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        if not is_member(request.user, license.licensee):
            raise Forbidden("only the licensee's members may check renders", code=LicensingCode.NOT_THE_LICENSEE)
        decision = license_authorize(
            license_id=license.pk,
            studio=license.licensee,
            work_file_sha256=data["work_file_sha256"],
            purpose=data["purpose"],
            media_type=data["media_type"],
            duration_seconds=data["duration_seconds"],
            territory=data["territory"],
        )
        reason = None if decision.reason is None else decision.reason.value
        return Response({"allowed": decision.allowed, "reason": reason, "duties": decision.duties})


class LicenseStatusApi(APIView):
    """Public: the licence's current status and since when, signed by the platform (see JWKS)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(responses=OpenApiTypes.OBJECT, auth=[])
    def get(self, request: Request, license_id: uuid.UUID) -> Response:
        body = license_status_statement(license=license_public(license_id))
        return Response(body, headers={"Cache-Control": "no-store"})


class JwksApi(APIView):
    """Public: the Ed25519 keys licences verify under (RFC 7517/8037), retired ones included: the
    platform keys pinned in configuration and the owner keys the platform certified (licensing/trust.py)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(responses=OpenApiTypes.OBJECT, auth=[])
    def get(self, request: Request) -> Response:
        platform_key_current()  # so a fresh install publishes its key before it has signed anything
        return Response({"keys": public_key_set()}, headers={"Cache-Control": "public, max-age=300"})


# --- Webhooks -----------------------------------------------------------------------------------


class WebhookListApi(APIView):
    @extend_schema(responses=WebhookEndpointOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(WebhookEndpointOut(webhook_endpoints_visible_to(request.user), many=True).data)

    @extend_schema(request=WebhookEndpointIn, responses={201: WebhookEndpointCreatedOut})
    def post(self, request: Request) -> Response:
        given = WebhookEndpointIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        organisation_id = data["organisation_id"]
        endpoint, secret = webhook_endpoint_create(
            url=data["url"],
            events=data["events"],
            organisation=None if organisation_id is None else organisation_visible_to(request.user, organisation_id),
            owner=_owner(request) if organisation_id is None else None,
            actor=request.user,
        )
        body = {**WebhookEndpointOut(endpoint).data, "secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookDisableApi(APIView):
    @extend_schema(request=None, responses=WebhookEndpointOut)
    def post(self, request: Request, endpoint_id: uuid.UUID) -> Response:
        endpoint = webhook_endpoint_disable(
            endpoint=webhook_endpoint_visible_to(request.user, endpoint_id), actor=request.user
        )
        return Response(WebhookEndpointOut(endpoint).data)


class WebhookDeliveryListApi(APIView):
    @extend_schema(responses=WebhookDeliveryOut(many=True))
    def get(self, request: Request, endpoint_id: uuid.UUID) -> Response:
        endpoint = webhook_endpoint_visible_to(request.user, endpoint_id)
        return Response(WebhookDeliveryOut(deliveries_of(endpoint)[:100], many=True).data)


class LicenseEvidenceApi(APIView):
    """A zip proving the licence's signed document and its audit history, checkable offline."""

    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request: Request, license_id: uuid.UUID) -> HttpResponse:
        bundle = license_evidence_bundle(license=license_for_evidence(request.user, license_id))
        response = HttpResponse(bundle, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="licence-{license_id}-evidence.zip"'
        return response
