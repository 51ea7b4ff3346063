"""Bad input: no crash, fewer or no proposals, and a message saying why."""

KREMLIN = "« Nous suivons la situation », a déclaré Dmitri Peskov lundi."


def test_empty_body(extract):
    for body in ("", "   \n\n  "):
        result = extract(body)
        assert result.proposals == []
        assert result.messages == ["body is empty"]


def test_one_megabyte_body_is_cut_and_still_read(extract):
    paragraph = f"{KREMLIN} Le Kremlin a indiqué que les discussions continueraient.\n\n"
    body = paragraph * (1_000_000 // len(paragraph) + 1)
    result = extract(body)
    assert "body truncated at 100,000 characters" in result.messages
    quotes = [p for p in result.proposals if p.kind == "direct_quote"]
    assert quotes, "the first 100,000 characters are still read"
    assert max(p.end for p in result.proposals) <= 100_000


def test_unbalanced_quotation_marks(extract):
    body = "« Nous ne signerons pas, a dit Dmitri Peskov. Le Kremlin a ensuite changé de ton."
    result = extract(body)
    assert [p for p in result.proposals if p.kind == "direct_quote"] == []
    assert result.messages == ["quotation mark at character 0 is never closed"]


def test_nested_quotation_marks_give_one_quote(extract):
    body = "« Ils parlent de “trêve” et de ‹ paix › sans y croire », a déclaré Dmitri Peskov."
    result = extract(body)
    quotes = [p for p in result.proposals if p.kind == "direct_quote"]
    assert [q.text for q in quotes] == ["Ils parlent de “trêve” et de ‹ paix › sans y croire"]
    assert quotes[0].speaker.slug == "dmitri-peskov"
    assert result.messages == []


def test_mismatched_inner_mark_is_reported_and_outer_quote_kept(extract):
    body = "« Ils parlent de “trêve sans y croire », a déclaré Dmitri Peskov."
    result = extract(body)
    assert [p.text for p in result.proposals if p.kind == "direct_quote"] == [
        "Ils parlent de “trêve sans y croire"
    ]
    assert result.messages == ["quotation mark at character 17 is never closed"]


def test_english_text(extract):
    body = (
        'The Kremlin said on Monday that "talks will continue", according to Dmitry Peskov, '
        "and that the ceasefire in Libya was holding."
    )
    result = extract(body)
    assert result.proposals == []
    assert result.messages == ["text does not look French: nothing proposed"]


def test_arabic_text(extract):
    body = "قال المتحدث باسم الكرملين دميتري بيسكوف إن المحادثات بشأن ليبيا ستستمر يوم الاثنين."
    result = extract(body)
    assert result.proposals == []
    assert result.messages == [
        "text does not look French (mostly non-Latin script): nothing proposed"
    ]


def test_russian_text(extract):
    body = "Дмитрий Песков заявил в понедельник, что «переговоры по Ливии продолжатся»."
    result = extract(body)
    assert result.proposals == []
    assert result.messages == [
        "text does not look French (mostly non-Latin script): nothing proposed"
    ]
