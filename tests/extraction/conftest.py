"""The French pipeline takes seconds to load: once per test session, shared by every test."""

import pytest

from libya.desk.extraction import nlp


@pytest.fixture(scope="session")
def french():
    """The loaded spaCy pipeline (functools.cache keeps it for the whole process)."""
    return nlp.pipeline()


@pytest.fixture
def extract(french, db):
    """``extract`` with the model loaded and the curated corpus as the desk."""
    from libya.desk.extraction import extract

    return extract
