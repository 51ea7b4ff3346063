"""French words the rules turn on: verbs of saying, titles, vague sources."""

# Lemmas of verbs that introduce what someone said or thinks.
SAYING_VERBS = {
    "dire",
    "déclarer",
    "affirmer",
    "ajouter",
    "indiquer",
    "estimer",
    "considérer",
    "annoncer",
    "assurer",
    "expliquer",
    "souligner",
    "préciser",
    "rapporter",
    "évoquer",
    "juger",
    "lancer",
    "répondre",
    "répliquer",
    "poursuivre",
    "conclure",
    "insister",
    "confirmer",
    "démentir",
    "nier",
    "reconnaître",
    "admettre",
    "avertir",
    "prévenir",
    "rappeler",
    "noter",
    "observer",
    "déplorer",
    "regretter",
    "dénoncer",
    "accuser",
    "martèler",
    "marteler",
    "promettre",
    "menacer",
    "réclamer",
    "exiger",
    "demander",
    "proposer",
    "suggérer",
    "plaider",
    "appeler",
    "saluer",
    "féliciter",
    "commenter",
    "écrire",
    "tweeter",
    "raconter",
    "confier",
    "révéler",
    "signaler",
    "relever",
    "mentionner",
    "penser",
    "croire",
    "qualifier",
    "réagir",
    "s'exclamer",
    "exclamer",
    "protester",
    "fustiger",
    "critiquer",
    "condamner",
    "soutenir",
    "répéter",
    "prévoir",
    "ironiser",
    "résumer",
    "trancher",
    "lâcher",
    "glisser",
    "souffler",
    "avancer",
    "argumenter",
    "interroger",
    "savoir",
}
# Verbs of saying that take a clause ("a indiqué que", "estime que"): reported speech.
REPORTING_VERBS = SAYING_VERBS - {"lancer", "poursuivre", "saluer", "féliciter", "appeler"}
# Nouns that name a person by role; alone ("l'ancien général") they point back to someone.
PERSON_TITLES = {
    "ministre",
    "président",
    "présidente",
    "porte-parole",
    "chef",
    "général",
    "maréchal",
    "dirigeant",
    "dirigeante",
    "diplomate",
    "ambassadeur",
    "ambassadrice",
    "envoyé",
    "envoyée",
    "émissaire",
    "responsable",
    "commandant",
    "secrétaire",
    "homme",
    "femme",
    "premier",
    "colonel",
    "officier",
    "leader",
    "vice-président",
    "directeur",
    "directrice",
    "représentant",
    "représentante",
    "conseiller",
    "conseillère",
    "négociateur",
    "patron",
    "sénateur",
    "député",
    "roi",
    "prince",
    "émir",
    "ministre-conseiller",
    "chancelier",
    "chancelière",
    "lieutenant",
    "juge",
    "procureur",
    "médiateur",
    "analyste",
    "expert",
}
# A document speaks for whoever issued it: the previous speaker.
DOCUMENT_NOUNS = {
    "communiqué",
    "note",
    "texte",
    "déclaration",
    "lettre",
    "document",
    "message",
    "rapport",
    "compte-rendu",
    "résolution",
    "tweet",
}
# Sources too vague to be an actor: the claim has no speaker to propose.
VAGUE_SOURCES = {
    "information",
    "informations",
    "presse",
    "média",
    "médias",
    "source",
    "sources",
    "observateur",
    "observateurs",
    "rumeur",
    "rumeurs",
    "témoin",
    "témoins",
    "analyste",
    "analystes",
    "expert",
    "experts",
    "spécialiste",
    "spécialistes",
    "habitant",
    "habitants",
    "proche",
    "proches",
    "entourage",
    "diplomate",
    "diplomates",
    "journal",
    "journaux",
    "responsable",
    "responsables",
    "on",
}
# Armed bodies named after their leader ("les forces de Haftar").
FORCES_NOUNS = {"force", "forces", "troupe", "troupes", "homme", "hommes", "milice", "milices"}
PRONOUNS = {"il", "elle", "ils", "elles", "-il", "-elle", "-t-il", "-t-elle", "-ils", "-elles"}
# "ce dernier", "celui-ci": the person named last, whoever spoke last.
LAST_NAMED = {"dernier", "dernière", "celui-ci", "celle-ci", "celui", "celle"}
PREPOSITIONS_OF_SOURCE = {"selon", "d'après", "d’après"}
POSSESSIVES = {"son", "sa", "ses", "leur", "leurs"}
TIME_WORDS = {
    "hier",
    "aujourd'hui",
    "matin",
    "soir",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "veille",
    "lendemain",
    "mois",
    "semaine",
}


# Stems of the -er verbs above: the tagger sometimes takes "estime", "juge" for nouns.
STEMS = {verb[:-2] for verb in SAYING_VERBS if verb.endswith("er") and len(verb) >= 5}
INDEFINITES = {"un", "une", "des"}


def is_saying(token, vocabulary: set[str] = SAYING_VERBS) -> bool:
    """A verb of saying, also when the tagger mistook "Le Kremlin juge que" for a noun."""
    if token.lemma_ in vocabulary and token.pos_ in ("VERB", "AUX"):
        return True
    if token.pos_ not in ("VERB", "NOUN") or not any(token.lower_.startswith(s) for s in STEMS):
        return False
    lemma = next((v for v in vocabulary if token.lower_.startswith(v[:-2])), None)
    return lemma is not None and (
        token.pos_ == "VERB" or any(c.dep_.startswith("nsubj") for c in token.children)
    )


def source_head(token):
    """The noun a source marker introduces: "selon [X]", "d'après [X]"."""
    if token.dep_ == "fixed":
        token = token.head
    return token.head if token.dep_ == "case" else token.nbor()


def is_source_marker(token) -> bool:
    """ "selon X", "d'après X", and "Pour X, …" opening a sentence."""
    lower = token.lower_
    if lower in PREPOSITIONS_OF_SOURCE:
        return True
    if lower == "après" and token.i > 0 and token.doc[token.i - 1].lower_ in ("d'", "d’"):
        return True
    if lower == "pour" and token.i == token.sent.start and token.head.pos_ in ("NOUN", "PROPN"):
        after = token.head.right_edge.i + 1
        return after < len(token.doc) and token.doc[after].text == ","
    return False


# Bodies often named by their seat ("le Parlement de Tobrouk", "le gouvernement de Tripoli").
SEATED_BODIES = {"gouvernement", "parlement", "chambre", "assemblée", "conseil"}
