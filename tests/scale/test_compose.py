"""docker-compose.yml: the default profile as simple as before, the `scale` profile complete."""

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from tests.servers import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
SCALE = {
    "primary",
    "replica",
    "pgbouncer",
    "pgbouncer-replica",
    "valkey",
    "web-1",
    "web-2",
    "proxy",
}


def interpolate(value: str) -> str:
    """Compose's ${NAME:-default} with nothing set in the environment."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def depends_on(name: str) -> set[str]:
    return set(SERVICES[name].get("depends_on") or {})


def test_the_default_profile_is_the_database_one_web_service_and_a_worker():
    default = {name for name, service in SERVICES.items() if not service.get("profiles")}

    assert default == {"db", "web", "worker"}
    web = SERVICES["web"]["environment"]
    assert not {"REDIS_URL", "DATABASE_REPLICA_URLS", "DESK_DB_TRANSACTION_POOLER"} & set(web)
    assert web["DATABASE_URL"].endswith("@db:5432/libya")


def test_the_scale_profile_has_every_part():
    scale = {name for name, service in SERVICES.items() if "scale" in service.get("profiles", [])}

    assert scale == SCALE
    assert SERVICES["proxy"]["ports"] == ["${SCALE_PORT:-8080}:80"]
    # `docker compose --profile scale up proxy` must start the whole stack.
    reached, todo = set(), ["proxy"]
    while todo:
        name = todo.pop()
        reached.add(name)
        todo += depends_on(name) - reached
    assert reached == SCALE


def test_each_pooler_is_in_transaction_mode_before_its_own_server():
    for pooler, server in (("pgbouncer", "primary"), ("pgbouncer-replica", "replica")):
        env = SERVICES[pooler]["environment"]
        assert env["POOL_MODE"] == "transaction"
        assert env["DB_HOST"] == server
        assert depends_on(pooler) == {server}


def test_the_replica_streams_from_the_primary_with_the_role_made_for_it():
    command = SERVICES["replica"]["command"][0]
    init = (ROOT / "docker" / "primary-replication.sh").read_text()

    assert "pg_basebackup -h primary -U replicator" in command
    assert " -R " in command  # standby.signal and primary_conninfo
    assert "CREATE ROLE replicator WITH REPLICATION LOGIN" in init
    assert "host replication replicator all scram-sha-256" in init
    mounted = [v.split(":")[0] for v in SERVICES["primary"]["volumes"]]
    assert "./docker/primary-replication.sh" in mounted


@pytest.mark.parametrize("web", ["web-1", "web-2"])
def test_both_web_services_use_the_poolers_the_replica_and_the_shared_cache(web):
    env = SERVICES[web]["environment"]

    assert env == SERVICES["web-1"]["environment"]
    assert "@pgbouncer:5432/" in env["DATABASE_URL"]
    assert "@pgbouncer-replica:5432/" in env["DATABASE_REPLICA_URLS"]
    assert "@primary:5432/" in env["DESK_MIGRATE_DATABASE_URL"]
    assert env["REDIS_URL"] == "redis://valkey:6379/0"
    assert env["DESK_DB_TRANSACTION_POOLER"] == "true"
    assert env["DESK_NUM_PROXIES"] == "1"
    assert SERVICES[web]["volumes"] == ["scalestate:/var/lib/desk"]  # one secret key


def test_the_proxy_shares_requests_between_both_web_services():
    conf = (ROOT / "docker" / "nginx-scale.conf").read_text()
    mounted = SERVICES["proxy"]["volumes"][0].split(":")[0]

    assert (ROOT / mounted).resolve() == ROOT / "docker" / "nginx-scale.conf"
    assert re.findall(r"server (web-\d):8000", conf) == ["web-1", "web-2"]
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf


def test_every_named_volume_is_declared():
    named = {
        volume.split(":")[0]
        for service in SERVICES.values()
        for volume in service.get("volumes", [])
        if not volume.startswith(".")
    }

    assert named == set(COMPOSE["volumes"])


def test_the_web_services_environment_configures_django_as_intended(tmp_path):
    """Settings loaded with web-1's environment: replica, Redis cache, pooler mode."""
    env = {k: interpolate(str(v)) for k, v in SERVICES["web-1"]["environment"].items()}
    env["DJANGO_SECRET_KEY"] = "compose-test-only"
    script = (
        "import django, json; django.setup(); from django.conf import settings as s;"
        "print(json.dumps([sorted(s.DATABASES), s.DATABASES['replica1']['HOST'],"
        " s.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'],"
        " s.CACHES['default']['BACKEND'], s.REST_FRAMEWORK['NUM_PROXIES']]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "libya.settings", **env},
        capture_output=True,
        text=True,
    )

    assert json.loads(result.stdout) == [
        ["default", "replica1"],
        "pgbouncer-replica",
        True,
        "django.core.cache.backends.redis.RedisCache",
        1,
    ], result.stderr


def test_deploy_md_describes_each_part():
    text = (ROOT / "DEPLOY.md").read_text()

    for part in SCALE | {"--profile scale"}:
        assert part in text, part


def test_migrations_go_to_the_primary_not_through_the_pooler():
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()

    migrate = 'DATABASE_URL="${DESK_MIGRATE_DATABASE_URL:-$DATABASE_URL}" python manage.py migrate'
    assert migrate in entrypoint
