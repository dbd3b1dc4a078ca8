"""French words in the candidates' URLs (« /etapes/profil/ », « /retirer/ »), while the code keeps
its English names (the workflow's transitions, the application's steps). The English segments of
earlier links still resolve, so no email already sent breaks."""


class _FrenchSlugConverter:
    regex = "[a-z_-]+"
    words = {}  # internal name → French URL segment

    def to_python(self, value):
        for name, word in self.words.items():
            if value in (word, name):
                return name
        raise ValueError(value)

    def to_url(self, value):
        return self.words.get(value, value)


class StepConverter(_FrenchSlugConverter):
    words = {"profile": "profil", "motivation": "motivation", "documents": "documents", "review": "verification"}


class ActionConverter(_FrenchSlugConverter):
    words = {
        "confirm": "confirmer",
        "return_to_draft": "demander-une-modification",
        "withdraw": "retirer",
        "accept_offer": "accepter-la-place",
        "hold_offer": "accepter-en-attendant-mieux",
        "decline_offer": "refuser-la-place",
    }


class WishDirectionConverter(_FrenchSlugConverter):
    words = {"up": "monter", "down": "descendre"}
