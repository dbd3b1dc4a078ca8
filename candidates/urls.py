from django.urls import path, register_converter

from .converters import ActionConverter, StepConverter, WishDirectionConverter
from .views import account, applications, apply, follow_up, open_data

register_converter(StepConverter, "step")
register_converter(ActionConverter, "candidate_action")
register_converter(WishDirectionConverter, "wish_direction")

app_name = "candidates"

urlpatterns = [
    path("mon-profil/", account.profile, name="profile"),
    path("confidentialite/", account.privacy, name="privacy"),
    path("facile-a-lire/", account.easy_read_guide, name="easy_read"),
    path("mes-donnees/", account.my_data, name="my_data"),
    path("mes-donnees/telecharger/", account.export_my_data, name="export_my_data"),
    path("mes-donnees/consulter/", account.my_data_readable, name="my_data_readable"),
    path("mes-donnees/supprimer-mon-compte/", account.delete_my_account, name="delete_my_account"),
    path("sessions/<int:pk>/candidater/", apply.apply, name="apply"),
    path("candidatures/<uuid:reference>/etapes/<step:step>/", apply.apply_step, name="apply_step"),
    path(
        "candidatures/<uuid:reference>/documents/<int:pk>/supprimer/",
        apply.delete_document,
        name="delete_document",
    ),
    path("mes-candidatures/", applications.application_list, name="application_list"),
    path("mes-candidatures/<uuid:reference>/", applications.application_detail, name="application_detail"),
    path(
        "mes-candidatures/<uuid:reference>/ecrire-au-centre/",
        applications.write_to_centre,
        name="write_to_centre",
    ),
    path(
        "mes-candidatures/<uuid:reference>/voeu/<wish_direction:direction>/",
        applications.move_wish,
        name="move_wish",
    ),
    path(
        "mes-candidatures/<uuid:reference>/<candidate_action:action>/",
        applications.application_action,
        name="application_action",
    ),
    path("documents/<int:pk>/", applications.document_download, name="document_download"),
    # Open data (issue 19): stable public URLs, the latest release behind them.
    path("donnees-ouvertes/", open_data.open_data_index, name="open_data"),
    path("donnees-ouvertes/<str:name>", open_data.open_data_file, name="open_data_file"),
    path("statistiques/", open_data.statistics, name="statistics"),
    # The trainee's questionnaire after the training (the signed link is the credential).
    path("mon-parcours/<str:token>/", follow_up.follow_up_survey, name="follow_up_survey"),
]
