"""The boilerplate rules, one by one on small inputs, then on the five real documents."""

from pathlib import Path

import pytest

from libya.desk import cleaning

SOURCES = Path(__file__).resolve().parent.parent / "sources"
PROSE = (
    "Le ministre a rencontré hier son homologue pour discuter longuement d'un accord de "
    "cessez-le-feu durable entre les deux camps, sans que les négociations aboutissent à un "
    "texte signé par toutes les parties présentes."
)


def parse_lines(*lines: str) -> cleaning.Document:
    return cleaning.parse("\n\n".join(lines))


def rules_of(document: cleaning.Document) -> list[str]:
    return [item.rule for item in document.stripped]


def test_date_marker_becomes_a_hint():
    document = cleaning.parse(" date 2020-06 " + PROSE)

    assert document.date_hint == "2020-06"
    assert document.body == PROSE
    assert rules_of(document) == ["date_marker"]


def test_text_without_marker_has_no_date_hint():
    assert cleaning.take_date_marker("La date 2020-06 est dans le texte.")[0] == ""


def test_cookie_banner_and_its_buttons_are_stripped():
    document = parse_lines(
        "Titre de l'article",
        PROSE,
        "En cliquant sur « Tout accepter », vous consentez au dépôt de traceurs.",
        "OK",
        "Ce site utilise des cookies pour améliorer ses services.",
        "Tout accepterTout refuserParamétrer vos choix",
    )

    assert document.paragraphs == [PROSE]
    assert rules_of(document) == ["cookie_banner"] * 4


def test_short_line_away_from_a_banner_is_kept():
    kept, stripped = cleaning.strip_cookie_banners(["OK", PROSE])

    assert kept == ["OK", PROSE]
    assert stripped == []


@pytest.mark.parametrize(
    "line",
    [
        "Suivez RT en français surTelegram",
        "Suivez-nous sur X",
        "Suivez notre actualité sur Facebook",
    ],
)
def test_follow_us_lines_are_stripped(line):
    assert cleaning.is_follow_us(line)


def test_follow_us_needs_a_network():
    assert not cleaning.is_follow_us("Suivez le regard du ministre sur la carte.")


@pytest.mark.parametrize(
    "line",
    ["Lire aussi : Libye, la trêve vacille", "À lire aussi: le dossier", "Voir aussi la carte"],
)
def test_read_also_links_are_stripped(line):
    assert cleaning.is_read_also(line)


def test_sentence_mentioning_reading_is_kept():
    assert not cleaning.is_read_also("Il faut lire aussi entre les lignes.")


def test_copyright_credit_and_the_caption_below_it_are_stripped():
    kept, stripped = cleaning.strip_photo_credits(
        ["Titre© Jean Dupont Source: AFP", "Le ministre à Moscou le 13 janvier.", PROSE]
    )

    assert kept == [PROSE]
    assert [item.rule for item in stripped] == ["photo_credit", "photo_caption"]


def test_credit_closing_its_own_caption_leaves_the_next_paragraph():
    kept, _ = cleaning.strip_photo_credits(["Le ministre à Moscou. © AFP", "Court paragraphe."])

    assert kept == ["Court paragraphe."]


def test_photo_slash_credit_line_is_stripped():
    kept, stripped = cleaning.strip_photo_credits(["PHOTO/AFP - Le maréchal à Moscou.", PROSE])

    assert kept == [PROSE]
    assert stripped == [cleaning.Stripped("photo_credit", "PHOTO/AFP - Le maréchal à Moscou.")]


@pytest.mark.parametrize("line", ["Rechercher", "Recherche :", "Search"])
def test_search_boxes_are_stripped(line):
    assert cleaning.is_search_box(line)


def test_breadcrumb_above_the_headline_is_stripped():
    document = parse_lines("Monde - Libye", "Le général Haftar à Moscou", PROSE)

    assert document.title == "Le général Haftar à Moscou"
    assert rules_of(document) == ["breadcrumb"]


def test_short_headline_is_not_taken_for_a_breadcrumb():
    document = parse_lines("Libye - Russie", PROSE)

    assert document.title == "Libye - Russie"
    assert document.stripped == []


@pytest.mark.parametrize("line", ["commentaires (0)", "Commentaires (12)", "3 commentaires"])
def test_comment_counters_are_stripped(line):
    assert cleaning.is_comment_counter(line)


@pytest.mark.parametrize("line", ["Retour en haut", "Retour en haut de page", "Haut de page ↑"])
def test_back_to_top_links_are_stripped(line):
    assert cleaning.is_back_to_top(line)


def test_agency_credit_is_stripped_and_its_agency_reported():
    document = parse_lines("Titre", PROSE, "(Source\u00a0: Reuters)")

    assert document.paragraphs == [PROSE]
    assert document.agency_hint == "Reuters"


def test_bare_source_line_names_its_agency():
    assert cleaning.parse(f"{PROSE}\nSource : AFP").agency_hint == "AFP"


def test_truncated_teaser_of_a_full_paragraph_is_stripped():
    teaser = PROSE[:80] + "..."
    kept, stripped = cleaning.strip_repeats([PROSE, "Suite.", teaser])

    assert kept == [PROSE, "Suite."]
    assert stripped == [cleaning.Stripped("teaser", teaser)]


def test_teaser_placed_before_its_full_paragraph_is_stripped():
    kept, _ = cleaning.strip_repeats([PROSE[:60] + "…", PROSE])

    assert kept == [PROSE]


def test_paragraph_ending_in_ellipsis_without_a_full_version_is_kept():
    line = "Il a répété que les négociations reprendraient bientôt, mais..."

    assert cleaning.strip_repeats([line, PROSE])[0] == [line, PROSE]


def test_paragraph_printed_twice_is_kept_once():
    kept, stripped = cleaning.strip_repeats([PROSE, PROSE])

    assert kept == [PROSE]
    assert [item.rule for item in stripped] == ["repeated_paragraph"]


def test_trailing_tagline_is_stripped():
    kept, stripped = cleaning.strip_trailing_taglines([PROSE, "Raconter l'actualité"])

    assert kept == [PROSE]
    assert stripped == [cleaning.Stripped("tagline", "Raconter l'actualité")]


def test_subheading_inside_the_body_is_kept():
    document = parse_lines("Titre de l'article", PROSE, "Refus de la proposition russe", "Fin.")

    assert document.paragraphs == [PROSE, "Refus de la proposition russe", "Fin."]


def test_document_starting_with_prose_has_no_title():
    assert cleaning.parse(PROSE).title == ""


def test_title_repeated_in_the_body_is_stripped():
    assert cleaning.take_title(["Titre", PROSE, "Titre"])[2] == [
        cleaning.Stripped("repeated_title", "Titre")
    ]


def test_title_printed_again_after_the_text_is_dropped():
    document = parse_lines("Titre de l'article", PROSE, "Titre de l'article")

    assert document.title == "Titre de l'article"
    assert document.paragraphs == [PROSE]


# The five real documents

EXPECTED_TITLES = {
    "000_84eb35ef1968dccf.txt": "Discussions à Moscou sur la Libye : Haftar part sans signer "
    "l'accord, malgré un «certain progrès»",
    "001_3d8617045a811f96.txt": "",
    "002_5926cba8cdf31603.txt": "Le chef rebelle libyen rencontre l'un de ses principaux alliés "
    "après que le GNA a quitté le processus de négociation à Genève",
    "003_c02aeddffadfddf7.txt": "Le général Haftar à Moscou pour solliciter "
    "l\u2019aide de la Russie",
    "004_a384fbf8722dd6bc.txt": "",
}
BOILERPLATE = [
    "cookies",
    "Suivez RT",
    "Lire aussi",
    "©",
    "PHOTO/",
    "Rechercher",
    "ommentaires (0)",
    "Retour en haut",
    "Source\u00a0: Reuters",
    "Raconter l'actualité",
    "Moyen Orient et Monde",
    "Notre...",
]


def parse_source(name: str) -> cleaning.Document:
    return cleaning.parse((SOURCES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "title"), EXPECTED_TITLES.items())
def test_real_documents_keep_their_headline(name, title):
    assert parse_source(name).title == title


@pytest.mark.parametrize("name", EXPECTED_TITLES)
def test_real_documents_lose_their_boilerplate(name):
    body = parse_source(name).body

    assert [marker for marker in BOILERPLATE if marker in body] == []


def test_real_document_subheadings_stay_in_the_body():
    assert "\n\nRefus de la proposition russe\n\n" in parse_source("004_a384fbf8722dd6bc.txt").body
    assert "\n\nMoscou va poursuivre ses efforts en vue d'une trêve\n\n" in (
        parse_source("000_84eb35ef1968dccf.txt").body
    )


def test_real_teaser_is_stripped_and_its_full_paragraph_kept_once():
    document = parse_source("003_c02aeddffadfddf7.txt")

    assert document.body.count("Sergueï Lavrov, ministre russe des Affaires étrangères") == 1
    assert "teaser" in rules_of(document)
    assert document.agency_hint == "Reuters"


def test_real_rt_document_reports_each_rule_it_applied():
    rules = set(rules_of(parse_source("000_84eb35ef1968dccf.txt")))

    assert rules == {
        "follow_us",
        "read_also",
        "photo_credit",
        "photo_caption",
        "cookie_banner",
        "tagline",
    }


def test_body_paragraphs_are_separated_by_a_blank_line():
    document = parse_source("001_3d8617045a811f96.txt")

    assert document.body.split("\n\n") == document.paragraphs
    assert len(document.paragraphs) == 10
