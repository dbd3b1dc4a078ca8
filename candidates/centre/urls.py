from django.urls import path

from . import follow_up, views

app_name = "centre"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("sessions/nouvelle/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/modifier/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/soumettre/", views.session_submit, name="session_submit"),
    path("candidatures/<int:pk>/", views.application_detail, name="application_detail"),
    path("candidatures/<int:pk>/action/", views.application_action, name="application_action"),
    path("candidatures/<int:pk>/convoquer/", views.application_invite, name="application_invite"),
    path("candidatures/<int:pk>/ne-pas-retenir/", views.application_refuse, name="application_refuse"),
    path("convocations/<int:pk>/resultat/", views.appointment_outcome, name="appointment_outcome"),
    path("sessions/<int:pk>/suivi-des-stagiaires/", follow_up.session_follow_ups, name="session_follow_ups"),
    path("suivis/<int:pk>/", follow_up.follow_up_edit, name="follow_up_edit"),
]
