"""Settings of the naive peer: the project's settings with the tutorial API as its URLconf."""

from libya.settings import *  # noqa: F403

ROOT_URLCONF = "naive_api"
