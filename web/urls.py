from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from web.signin import SignInView
from web.views import actor, ceremony, fees, home, inbox, licences, liveness, mandates, public, renders, staff, works

app_name = "web"

urlpatterns = [
    path("", home.dashboard, name="dashboard"),
    path("sign-in/", SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(next_page="web:login"), name="logout"),
    path("verify/", public.verify, name="verify"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read/", inbox.inbox_read, name="inbox-read"),
    path("inbox/<uuid:notification_id>/open/", inbox.inbox_open, name="inbox-open"),
    path("language/", inbox.language, name="language"),
    path("fees/", fees.fee_ledger, name="fees"),
    path("fees.csv", fees.fee_ledger_csv, name="fees-csv"),
    # Likeness owners
    path("likenesses/new/", actor.likeness_new, name="likeness-new"),
    path("likenesses/<uuid:likeness_id>/", actor.likeness_detail, name="likeness"),
    path("likenesses/<uuid:likeness_id>/enrol/", actor.likeness_enrol_photos, name="likeness-enrol"),
    path("likenesses/<uuid:likeness_id>/licensable/", actor.likeness_licensable, name="likeness-licensable"),
    path("likenesses/<uuid:likeness_id>/erase/", actor.likeness_erase_confirm, name="likeness-erase"),
    path("likenesses/<uuid:likeness_id>/live-capture/", liveness.live_capture, name="likeness-live-capture"),
    path(
        "likenesses/<uuid:likeness_id>/live-capture/challenge/",
        liveness.live_capture_challenge,
        name="likeness-live-capture-challenge",
    ),
    path(
        "likenesses/<uuid:likeness_id>/live-capture/clip/",
        liveness.live_capture_clip,
        name="likeness-live-capture-clip",
    ),
    # Licences
    path("licences/", licences.licence_list, name="licences"),
    path("licences/request/", licences.licence_request, name="licence-request"),
    path("licences/<uuid:license_id>/", licences.licence_detail, name="licence"),
    path("licences/<uuid:license_id>/review/", ceremony.licence_review, name="licence-review"),
    path("licences/<uuid:license_id>/confirm/", ceremony.licence_confirm, name="licence-confirm"),
    path("licences/<uuid:license_id>/sign/", ceremony.licence_sign, name="licence-sign"),
    path("licences/<uuid:license_id>/to-sign.json", ceremony.licence_canonical, name="licence-canonical"),
    path("licences/<uuid:license_id>/receipt/", ceremony.licence_receipt, name="licence-receipt"),
    path("licences/<uuid:license_id>/signed.json", ceremony.licence_signed_download, name="licence-signed"),
    path("licences/<uuid:license_id>/decline/", licences.licence_decline, name="licence-decline"),
    path("licences/<uuid:license_id>/revoke/", licences.licence_revoke, name="licence-revoke"),
    # Invitations: an actor's link lets a studio request a licence without knowing any id
    path("likenesses/<uuid:likeness_id>/invitations/", actor.invitation_new, name="invitation-new"),
    path("invitations/<uuid:invitation_id>/revoke/", actor.invitation_revoke_view, name="invitation-revoke"),
    path("invite/<str:code>/", licences.invitation_open, name="invitation"),
    # Staff: frozen enrolments awaiting review
    path("staff/enrolments/", staff.frozen_list, name="staff-frozen"),
    path("staff/enrolments/<uuid:likeness_id>/", staff.frozen_decide, name="staff-frozen-decide"),
    # Mandates: who acts for a likeness owner
    path("mandates/", mandates.mandate_list, name="mandates"),
    path("mandates/<uuid:mandate_id>/end/", mandates.mandate_end_page, name="mandate-end"),
    # Works, files, rights and grants
    path("works/", works.work_list, name="works"),
    path("works/<uuid:work_id>/", works.work_detail, name="work"),
    path("works/<uuid:work_id>/files/", works.work_file_new, name="work-file-new"),
    path("works/<uuid:work_id>/grants/", works.grant_new, name="grant-new"),
    path("grants/<uuid:grant_id>/withdraw/", works.grant_withdraw, name="grant-withdraw"),
    # Render jobs
    path("renders/", renders.render_list, name="renders"),
    path("renders/<uuid:job_id>/", renders.job_detail, name="job"),
    path("renders/<uuid:job_id>/state.json", renders.job_state, name="job-state"),
    path("renders/<uuid:job_id>/download/", renders.job_download, name="job-download"),
    path("renders/<uuid:job_id>/thumbnail.jpg", renders.job_thumbnail, name="job-thumbnail"),
]
