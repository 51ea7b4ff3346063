"""The shared cache: with REDIS_URL, every process reads and writes one Redis (never mocked)."""

import os
import subprocess
import sys

from django.core.cache import cache

from tests.servers import ROOT


def django_in_subprocess(script: str, redis_url: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "libya.settings", "REDIS_URL": redis_url}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_redis_url_selects_djangos_redis_backend(redis_url):
    backend = django_in_subprocess(
        "from django.core.cache import caches; print(type(caches['default']).__module__)", redis_url
    )

    assert backend == "django.core.cache.backends.redis"


def test_without_redis_url_each_process_keeps_a_local_memory_cache(settings):
    # The test process runs with the Makefile's environment: no REDIS_URL.
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


def test_a_value_written_by_one_process_is_read_and_counted_by_another(settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "desk:default",  # as settings.py names it with REDIS_URL
        }
    }
    cache.set("shared-cache-test", 41, 60)

    seen = django_in_subprocess(
        "from django.core.cache import cache;"
        "print(cache.get('shared-cache-test'), cache.incr('shared-cache-test'))",
        redis_url,
    )

    assert seen == "41 42"
    assert cache.get("shared-cache-test") == 42
    cache.delete("shared-cache-test")
