from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from web.signin import SignInView
from web.views import actor, home, licences, mandates, public, renders, works

app_name = "web"

urlpatterns = [
    path("", home.dashboard, name="dashboard"),
    path("sign-in/", SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(next_page="web:login"), name="logout"),
    path("verify/", public.verify, name="verify"),
    # Likeness owners
    path("likenesses/new/", actor.likeness_new, name="likeness-new"),
    path("likenesses/<uuid:likeness_id>/", actor.likeness_detail, name="likeness"),
    path("likenesses/<uuid:likeness_id>/enrol/", actor.likeness_enrol_photos, name="likeness-enrol"),
    path("likenesses/<uuid:likeness_id>/licensable/", actor.likeness_licensable, name="likeness-licensable"),
    path("likenesses/<uuid:likeness_id>/erase/", actor.likeness_erase_confirm, name="likeness-erase"),
    # Licences
    path("licences/", licences.licence_list, name="licences"),
    path("licences/request/", licences.licence_request, name="licence-request"),
    path("licences/<uuid:license_id>/", licences.licence_detail, name="licence"),
    path("licences/<uuid:license_id>/approve/", licences.licence_approve, name="licence-approve"),
    path("licences/<uuid:license_id>/decline/", licences.licence_decline, name="licence-decline"),
    path("licences/<uuid:license_id>/revoke/", licences.licence_revoke, name="licence-revoke"),
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
