"""What each status and history event means for the candidate, in plain words.

The workflow's labels (``Status``) are written for staff lists; candidates read a sentence that
says what happened and what comes next — in « Facile à lire et à comprendre » (FALC) when they
asked for it (``portal.easy_read``): every status has its FALC label and next step."""

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from portal import easy_read

from .workflow import Status

# What happened, as a line of the candidate's timeline (keyed by the status reached).
EVENT_SENTENCES = {
    Status.DRAFT: _("La préparation de la candidature a repris."),
    Status.AWAITING_CONFIRMATION: _("Votre conseiller ou conseillère vous a envoyé la candidature pour accord."),
    Status.SUBMITTED: _("Vous avez envoyé votre candidature."),
    Status.TO_BE_CHECKED: _("Un agent doit vérifier un point de votre dossier (par exemple un justificatif)."),
    Status.NOT_ELIGIBLE: _("Votre profil ne correspond pas aux conditions de cette formation."),
    Status.ELIGIBLE: _("Vous remplissez les conditions : votre candidature est transmise au centre de formation."),
    Status.INVITED_TO_TEST: _("Vous êtes convoqué(e) aux tests."),
    Status.INVITED_TO_INTERVIEW: _("Vous êtes convoqué(e) à un entretien."),
    Status.WAITLISTED: _("Vous êtes sur la liste d'attente."),
    Status.SEAT_OFFERED: _("Une place vous est proposée."),
    Status.SEAT_ACCEPTED: _("Vous avez accepté la place."),
    Status.SEAT_HELD: _("Vous avez accepté la place en attendant mieux : elle vous est réservée."),
    Status.ENROLLED: _("Vous êtes inscrit(e) en formation."),
    Status.NO_SHOW: _("Vous n'êtes pas venu(e) au début de la formation."),
    Status.OFFER_DECLINED: _("Vous avez refusé la place proposée."),
    Status.OFFER_EXPIRED: _("La place proposée n'a pas reçu de réponse à temps."),
    Status.REFUSED: _("Votre candidature n'a pas été retenue."),
    Status.WITHDRAWN: _("Vous avez retiré votre candidature."),
}

# Events whose sentence depends on why the status was reached, not only on the status.
TRANSITION_SENTENCES = {
    "release_wish": _(
        "Ce vœu a été libéré : vous avez accepté une place dans un vœu mieux classé, ou définitivement ailleurs."
    ),
}

# Where the application stands now and what to expect.
NEXT_STEPS = {
    Status.DRAFT: _("Votre candidature n'est pas encore envoyée. Reprenez-la pour la terminer."),
    Status.AWAITING_CONFIRMATION: _(
        "Votre conseiller ou conseillère a préparé cette candidature avec vous : confirmez-la pour l'envoyer."
    ),
    Status.SUBMITTED: _("Nous vérifions si vous remplissez les conditions. Vous recevrez un e-mail."),
    Status.TO_BE_CHECKED: _(
        "Un agent va vérifier votre dossier. Si un justificatif manque, vous recevrez un message ici et par e-mail."
    ),
    Status.NOT_ELIGIBLE: _("Vous pouvez chercher une autre formation qui vous correspond."),
    Status.ELIGIBLE: _("Le centre de formation va vous contacter pour la suite de la sélection."),
    Status.INVITED_TO_TEST: _("Présentez-vous aux tests à la date et au lieu indiqués ci-dessous."),
    Status.INVITED_TO_INTERVIEW: _("Présentez-vous à l'entretien à la date et au lieu indiqués ci-dessous."),
    Status.WAITLISTED: _("Si une place se libère, elle vous sera proposée par e-mail."),
    Status.SEAT_OFFERED: _("Acceptez ou refusez la place avant la date limite."),
    Status.SEAT_ACCEPTED: _("Le centre de formation vous attend au premier jour de la formation."),
    Status.SEAT_HELD: _(
        "Cette place vous est réservée pendant que vos vœux mieux classés restent en attente. Si l'un d'eux vous "
        "propose une place, vous choisirez entre les deux. Vous pouvez aussi l'accepter définitivement dès maintenant."
    ),
    Status.ENROLLED: _("Bonne formation !"),
    Status.NO_SHOW: _("Contactez le centre de formation si c'est une erreur."),
    Status.OFFER_DECLINED: _("Vous pouvez candidater à une autre session."),
    Status.OFFER_EXPIRED: _("Vous pouvez candidater à une autre session."),
    Status.REFUSED: _("Vous pouvez candidater à une autre session."),
    Status.WITHDRAWN: _("Vous pouvez candidater à une autre session."),
}

# The status as the candidate reads it about themself (the workflow's labels speak of « le candidat »).
CANDIDATE_STATUS_LABELS = {
    Status.DRAFT: _("Brouillon, pas encore envoyée"),
    Status.SUBMITTED: _("Envoyée, vérification en cours"),
    Status.TO_BE_CHECKED: _("Un point de votre dossier est à vérifier"),
    Status.NOT_ELIGIBLE: _("Conditions non remplies"),
    Status.ELIGIBLE: _("Conditions remplies, transmise au centre"),
    Status.INVITED_TO_TEST: _("Convoqué(e) aux tests"),
    Status.INVITED_TO_INTERVIEW: _("Convoqué(e) à un entretien"),
    Status.WAITLISTED: _("Sur liste d'attente"),
    Status.SEAT_OFFERED: _("Une place vous est proposée"),
    Status.SEAT_ACCEPTED: _("Vous avez accepté la place"),
    Status.SEAT_HELD: _("Place gardée en attendant mieux"),
    Status.ENROLLED: _("Inscrit(e) en formation"),
    Status.NO_SHOW: _("Absent(e) au début de la formation"),
    Status.OFFER_DECLINED: _("Vous avez refusé la place"),
    Status.OFFER_EXPIRED: _("Proposition expirée sans réponse"),
    Status.REFUSED: _("Candidature non retenue"),
    Status.WITHDRAWN: _("Vous avez retiré votre candidature"),
}


# The same in FALC: short sentences, one idea each, everyday words.
EASY_READ_STATUS_LABELS = {
    Status.DRAFT: _("Pas encore envoyée"),
    Status.AWAITING_CONFIRMATION: _("À confirmer par vous"),
    Status.SUBMITTED: _("Envoyée. Nous regardons votre candidature."),
    Status.TO_BE_CHECKED: _("Nous devons vérifier une chose"),
    Status.NOT_ELIGIBLE: _("Cette formation n'est pas pour vous"),
    Status.ELIGIBLE: _("C'est bon. Le centre de formation a votre candidature."),
    Status.INVITED_TO_TEST: _("Vous avez un rendez-vous pour des tests"),
    Status.INVITED_TO_INTERVIEW: _("Vous avez un rendez-vous pour parler avec le centre"),
    Status.WAITLISTED: _("Vous attendez une place"),
    Status.SEAT_OFFERED: _("Il y a une place pour vous"),
    Status.SEAT_ACCEPTED: _("Vous avez dit oui pour la place"),
    Status.SEAT_HELD: _("Vous gardez cette place. Vous attendez peut-être une formation que vous préférez."),
    Status.ENROLLED: _("Vous êtes en formation"),
    Status.NO_SHOW: _("Vous n'êtes pas venu au début de la formation"),
    Status.OFFER_DECLINED: _("Vous avez dit non pour la place"),
    Status.OFFER_EXPIRED: _("Vous n'avez pas répondu à temps"),
    Status.REFUSED: _("Le centre n'a pas choisi votre candidature"),
    Status.WITHDRAWN: _("Vous avez arrêté votre candidature"),
}
EASY_READ_NEXT_STEPS = {
    Status.DRAFT: _("Votre candidature n'est pas envoyée. Finissez-la. Puis envoyez-la."),
    Status.AWAITING_CONFIRMATION: _(
        "Votre conseiller a préparé cette candidature avec vous. Lisez-la. Si elle est juste, confirmez-la."
    ),
    Status.SUBMITTED: _("Nous regardons si la formation est pour vous. Nous vous envoyons un e-mail."),
    Status.TO_BE_CHECKED: _(
        "Une personne de l'équipe va vérifier votre dossier. S'il manque un document, nous vous écrivons."
    ),
    Status.NOT_ELIGIBLE: _("Vous pouvez chercher une autre formation."),
    Status.ELIGIBLE: _("Le centre de formation va vous appeler ou vous écrire."),
    Status.INVITED_TO_TEST: _("Allez aux tests. Le jour, l'heure et l'adresse sont écrits plus bas."),
    Status.INVITED_TO_INTERVIEW: _("Allez au rendez-vous. Le jour, l'heure et l'adresse sont écrits plus bas."),
    Status.WAITLISTED: _("Si une place est libre, nous vous écrivons."),
    Status.SEAT_OFFERED: _("Dites oui ou non pour la place. Répondez avant la date écrite."),
    Status.SEAT_ACCEPTED: _("Allez au centre de formation le premier jour."),
    Status.SEAT_HELD: _(
        "Cette place est gardée pour vous. Si une formation que vous préférez vous prend, nous vous écrivons."
    ),
    Status.ENROLLED: _("Bonne formation !"),
    Status.NO_SHOW: _("C'est une erreur ? Écrivez au centre de formation."),
    Status.OFFER_DECLINED: _("Vous pouvez choisir une autre formation."),
    Status.OFFER_EXPIRED: _("Vous pouvez choisir une autre formation."),
    Status.REFUSED: _("Vous pouvez choisir une autre formation."),
    Status.WITHDRAWN: _("Vous pouvez choisir une autre formation."),
}


def candidate_status(application):
    labels = EASY_READ_STATUS_LABELS if easy_read.active() else CANDIDATE_STATUS_LABELS
    # Not ``.get(status, application.get_status_display())``: that default would be computed on
    # every call, and Django's get_FOO_display() hashes every choice's lazy label (a gettext each),
    # a third of « Mes candidatures »' time.
    label = labels.get(application.status)
    return application.get_status_display() if label is None else label


# The candidate's own actions: button label, confirmation question, success message.
CANDIDATE_ACTIONS = {
    # An application an adviser prepared with the person: nothing is sent before they confirm it.
    "confirm": {
        "label": _("Confirmer et envoyer la candidature"),
        "confirm": _("Oui, j'envoie ma candidature"),
        "question": _(
            "Vous avez vérifié la candidature préparée avec votre conseiller ou conseillère ? Une fois envoyée, "
            "elle est étudiée par l'équipe du programme."
        ),
        "done": _("Votre candidature est envoyée. Vous allez recevoir un e-mail de confirmation."),
        "danger": False,
    },
    "return_to_draft": {
        "label": _("Demander une modification"),
        "confirm": _("Oui, la candidature doit être modifiée"),
        "question": _(
            "La candidature revient en préparation : votre conseiller ou conseillère pourra la corriger avec vous "
            "et vous la renvoyer."
        ),
        "done": _("La candidature revient en préparation."),
        "danger": False,
    },
    "withdraw": {
        "label": _("Retirer ma candidature"),
        "confirm": _("Oui, retirer ma candidature"),
        "question": _(
            "Voulez-vous vraiment retirer votre candidature ? Vous ne pourrez pas la renvoyer pour cette session."
        ),
        "done": _("Votre candidature est retirée."),
        "danger": True,
    },
    "accept_offer": {
        "label": _("Accepter la place"),
        "confirm": _("Oui, accepter la place"),
        "question": _(
            "Vous acceptez définitivement la place dans cette formation ? Vos autres vœux de ce programme seront "
            "libérés pour d'autres personnes."
        ),
        "done": _("Vous avez accepté la place. Le centre de formation vous attend."),
        "danger": False,
    },
    "hold_offer": {
        "label": _("Oui, en attendant mieux"),
        "confirm": _("Oui, garder cette place en attendant mieux"),
        "question": _(
            "Cette place vous sera réservée, et vos vœux mieux classés restent en attente. Vos vœux moins bien "
            "classés seront libérés pour d'autres personnes. Continuer ?"
        ),
        "done": _("La place vous est réservée en attendant mieux. Vos vœux moins bien classés sont libérés."),
        "danger": False,
    },
    "decline_offer": {
        "label": _("Refuser la place"),
        "confirm": _("Oui, refuser la place"),
        "question": _("Voulez-vous vraiment refuser la place ? Elle sera proposée à quelqu'un d'autre."),
        "done": _("Vous avez refusé la place."),
        "danger": True,
    },
}


def event_sentence(event):
    if event.transition in TRANSITION_SENTENCES:
        return TRANSITION_SENTENCES[event.transition]
    sentence = EVENT_SENTENCES.get(event.to_status)
    return event.get_to_status_display() if sentence is None else sentence


def what_comes_next(application):
    steps = EASY_READ_NEXT_STEPS if easy_read.active() else NEXT_STEPS
    return steps.get(application.status, "")


def profile_summary(user, profile):
    """Every answer of the profile as ``(label, value)`` rows, as the candidate checks them before
    sending (the review step): nothing the screening reads is hidden from them."""
    not_given = _("Non renseigné")
    yes_no = {True: _("Oui"), False: _("Non"), None: not_given}
    job_seeker = yes_no[profile.is_job_seeker]
    if profile.is_job_seeker and profile.job_seeker_since:
        job_seeker = _("Oui, depuis le %(date)s") % {"date": date_format(profile.job_seeker_since, "j F Y")}
    rqth = _("Je préfère ne pas répondre") if profile.rqth_undisclosed else yes_no[profile.has_rqth]
    return [
        (_("Nom"), user.get_full_name() or not_given),
        (_("Date de naissance"), date_format(profile.birth_date, "j F Y") if profile.birth_date else not_given),
        (_("Vous êtes"), profile.get_gender_display() or not_given),
        (_("Code postal et commune"), f"{profile.postcode} {profile.commune}".strip() or not_given),
        (
            _("Quartier prioritaire (QPV)"),
            {True: _("Oui"), False: _("Non"), None: _("Je ne sais pas")}[profile.lives_in_qpv],
        ),
        (_("Diplôme le plus élevé"), profile.get_qualification_level_display() or not_given),
        (_("Inscrit(e) à France Travail"), job_seeker),
        (_("RSA"), yes_no[profile.receives_rsa]),
        (_("RQTH"), rqth),
        (_("Téléphone"), profile.phone or not_given),
    ]
