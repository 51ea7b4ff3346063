"""French words the rules turn on: verbs of saying, titles, vague sources."""

# Lemmas of verbs that introduce what someone said or thinks.
SAYING_VERBS = {
    "dire", "déclarer", "affirmer", "ajouter", "indiquer", "estimer", "considérer",
    "annoncer", "assurer", "expliquer", "souligner", "préciser", "rapporter", "évoquer",
    "juger", "lancer", "répondre", "répliquer", "poursuivre", "conclure", "insister",
    "confirmer", "démentir", "nier", "reconnaître", "admettre", "avertir", "prévenir",
    "rappeler", "noter", "observer", "déplorer", "regretter", "dénoncer", "accuser",
    "affirmer", "martèler", "marteler", "promettre", "menacer", "réclamer", "exiger",
    "demander", "proposer", "suggérer", "plaider", "appeler", "saluer", "féliciter",
    "commenter", "écrire", "tweeter", "raconter", "confier", "révéler", "signaler",
    "relever", "mentionner", "penser", "croire", "juger", "qualifier", "réagir",
    "s'exclamer", "exclamer", "protester", "fustiger", "critiquer", "condamner",
    "soutenir", "répéter", "prévoir", "ironiser", "résumer", "trancher",
    "lâcher", "glisser", "souffler", "avancer", "argumenter", "interroger", "savoir",
}
# Verbs of saying that take a clause ("a indiqué que", "estime que"): reported speech.
REPORTING_VERBS = SAYING_VERBS - {"lancer", "poursuivre", "saluer", "féliciter", "appeler"}
# Nouns that name a person by role; alone ("l'ancien général") they point back to someone.
PERSON_TITLES = {
    "ministre", "président", "présidente", "porte-parole", "chef", "général", "maréchal",
    "dirigeant", "dirigeante", "diplomate", "ambassadeur", "ambassadrice", "envoyé",
    "envoyée", "émissaire", "responsable", "commandant", "secrétaire", "homme", "femme",
    "premier", "colonel", "officier", "leader", "vice-président", "directeur", "directrice",
    "représentant", "représentante", "conseiller", "conseillère", "négociateur", "patron",
    "sénateur", "député", "roi", "prince", "émir", "ministre-conseiller", "chancelier",
    "chancelière", "lieutenant", "juge", "procureur", "médiateur", "analyste", "expert",
}
# A document speaks for whoever issued it: the previous speaker.
DOCUMENT_NOUNS = {
    "communiqué", "note", "texte", "déclaration", "lettre", "document", "message",
    "rapport", "compte-rendu", "résolution", "tweet",
}
# Sources too vague to be an actor: the claim has no speaker to propose.
VAGUE_SOURCES = {
    "information", "informations", "presse", "média", "médias", "source", "sources",
    "observateur", "observateurs", "rumeur", "rumeurs", "témoin", "témoins", "analyste",
    "analystes", "expert", "experts", "spécialiste", "spécialistes", "habitant",
    "habitants", "proche", "proches", "entourage", "diplomate", "diplomates", "journal",
    "journaux", "responsable", "responsables", "on",
}
# Armed bodies named after their leader ("les forces de Haftar").
FORCES_NOUNS = {"force", "forces", "troupe", "troupes", "homme", "hommes", "milice", "milices"}
PRONOUNS = {"il", "elle", "ils", "elles", "celui-ci", "celle-ci", "ce dernier", "lui"}
PREPOSITIONS_OF_SOURCE = {"selon", "d'après", "d’après"}
# Bodies often named by their seat ("le Parlement de Tobrouk", "le gouvernement de Tripoli").
SEATED_BODIES = {"gouvernement", "parlement", "chambre", "assemblée", "conseil"}
