"""Which processes make up the assistant, per profile (``bot.run.Stack`` starts them).

embedded (default): action server, one Rasa server, the web app and the analytics writer
(following Rasa's SQLite tracker store).

scale (``PROFILE=scale``): ``RASA_REPLICAS`` Rasa servers on their own ports sharing the
PostgreSQL tracker store and the Redis lock store, behind **one URL** served by nginx
(``RASA_PORT``; a conversation sticks to one replica while it is up); the action server
with ``ACTION_WORKERS`` Sanic workers; the web app; the analytics consumer fed by Rasa's
Pika event broker (RabbitMQ).
:func:`prepare_scale` creates the PostgreSQL databases if missing and migrates + seeds the
CRM; :func:`nginx_config` renders the proxy's configuration into ``VAR_DIR/nginx/``.

Every Rasa server loads :func:`served_model_path`: the version an admin promoted in the
console (``MODEL_DIR/versions/LIVE``) if any, else the repo's model ``MODEL_DIR/shop.tar.gz``
(so a restart, e.g. ``make run`` again or a replica restarted, serves what was promoted).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from bot.endpoints import SCALE_PROFILE
from bot.paths import model_path
from bot.scale_admin import ensure_database
from bot.service import Service
from crm_backend.settings import Settings

NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
NGINX_MISSING = (
    "PROFILE=scale needs nginx (the reverse proxy in front of the Rasa replicas) and it is "
    "not installed: run `scripts/system-deps.sh --scale` as root (Debian package nginx)."
)


def served_model_path(settings: Settings) -> Path:
    """The archive a Rasa server loads when it (re)starts."""
    from crm_backend.admin.versions import promoted_archive

    return promoted_archive(settings.model_dir) or model_path(settings)


def refresh_model(service: Service, settings: Settings) -> None:
    """Point a Rasa service's ``--model`` at :func:`served_model_path` (before a restart:
    a version may have been promoted since the command was built)."""
    if "--model" in service.command:
        service.command[service.command.index("--model") + 1] = str(served_model_path(settings))


def is_scale(settings: Settings) -> bool:
    return settings.profile == SCALE_PROFILE


def replica_ports(settings: Settings, given: Sequence[int] = ()) -> List[int]:
    """Ports of the Rasa replicas: ``given`` or the ones right after ``RASA_PORT``."""
    if given:
        return list(given)[: settings.rasa_replicas]
    return [settings.rasa_port + 1 + i for i in range(settings.rasa_replicas)]


def rasa_service(
    settings: Settings, name: str, port: int, endpoints_file: Path, token: str
) -> Service:
    s = settings
    return Service(
        name,
        [
            sys.executable,
            "-m",
            "rasa",
            "run",
            "--model",
            str(served_model_path(s)),
            "--endpoints",
            str(endpoints_file),
            "--credentials",
            "credentials.yml",
            "--interface",
            s.host,
            "--port",
            str(port),
            "--cors",
            s.web_url,
            f"http://localhost:{s.web_port}",
            "--enable-api",
            # one argument: a random token may start with "-" (argparse would take it
            # for an option and Rasa would exit)
            f"--auth-token={token}",
        ],
        f"http://{s.host}:{port}/webhooks/website/",
    )


def common_services(settings: Settings, analytics_args: Sequence[str] = ()) -> List[Service]:
    """The action server, the web app and the analytics writer."""
    s = settings
    py = sys.executable
    workers = {"ACTION_SERVER_SANIC_WORKERS": str(s.action_workers)}
    return [
        Service(
            "actions",
            [py, "-m", "rasa_sdk", "--actions", "actions", "--port", str(s.action_port)],
            f"http://{s.host}:{s.action_port}/health",
            env=workers if s.action_workers > 1 else {},
        ),
        Service(
            "web",
            [
                py,
                "-m",
                "uvicorn",
                "crm_backend.web.app:create_app",
                "--factory",
                "--host",
                s.host,
                "--port",
                str(s.web_port),
                "--no-access-log",
                "--ws",
                "wsproto",
            ],
            f"http://{s.host}:{s.web_port}/healthz",
        ),
        Service(
            "analytics",
            [py, "-m", "crm_backend.analytics.consumer", *analytics_args],
            "",
            critical=False,
        ),
    ]


def find_nginx() -> Optional[str]:
    found = shutil.which("nginx")
    if found:
        return found
    return next((c for c in NGINX_CANDIDATES if Path(c).exists()), None)


def nginx_config(settings: Settings, ports: Sequence[int]) -> Path:
    """Write ``VAR_DIR/nginx/nginx.conf``: the replicas behind RASA_PORT, each conversation
    kept on one replica (consistent hash of its id) while that replica is up."""
    base = settings.var_dir / "nginx"
    temp = base / "tmp"
    temp.mkdir(parents=True, exist_ok=True)
    temp.chmod(0o1777)  # workers run unprivileged when nginx starts as root
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    upstream = "\n".join(
        f"    server {settings.host}:{port} max_fails=1 fail_timeout=2s;" for port in ports
    )
    conf = f"""# generated by bot/topology.py for PROFILE=scale; do not edit
worker_processes 1;
daemon off;
pid {base / "nginx.pid"};
error_log {settings.log_dir / "nginx-error.log"} warn;
events {{ worker_connections 2048; }}
http {{
  access_log off;
  client_body_temp_path {temp};
  proxy_temp_path {temp};
  fastcgi_temp_path {temp};
  uwsgi_temp_path {temp};
  scgi_temp_path {temp};
  client_max_body_size 64k;
  # one conversation, one replica (while it is up): its tracker stays in that replica's
  # cache (bot/tracker_cache.py) and the lock is rarely contended. The key is the widget's
  # X-Conversation-Id header, else the id in a /conversations/<id>/ API path, else none
  # (spread by request).
  map $uri $conversation_in_path {{
    ~^/conversations/(?<cid>[^/]+)/ $cid;
    default "";
  }}
  map "$http_x_conversation_id:$conversation_in_path" $route_key {{
    ~^:$ $request_id;
    ~^:(?<path_id>.+)$ $path_id;
    ~^(?<header_id>[^:]+): $header_id;
    default $request_id;
  }}
  upstream rasa {{
    hash $route_key consistent;
{upstream}
    keepalive 64;
  }}
  server {{
    listen {settings.host}:{settings.rasa_port};
    location / {{
      proxy_pass http://rasa;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_connect_timeout 2s;
      proxy_read_timeout 300s;
      proxy_next_upstream error timeout http_502 http_503;
    }}
  }}
}}
"""
    path = base / "nginx.conf"
    path.write_text(conf)
    return path


def proxy_service(settings: Settings, ports: Sequence[int]) -> Service:
    nginx = find_nginx()
    if nginx is None:
        raise RuntimeError(NGINX_MISSING)
    conf = nginx_config(settings, ports)
    error_log = settings.log_dir / "nginx-error.log"
    return Service(
        "proxy",
        [nginx, "-c", str(conf), "-p", str(conf.parent), "-e", str(error_log)],
        f"http://{settings.host}:{settings.rasa_port}/webhooks/website/",
    )


def scale_services(
    settings: Settings, endpoints_file: Path, token: str, ports: Sequence[int] = ()
) -> List[Service]:
    replicas = [
        rasa_service(settings, f"rasa-{i + 1}", port, endpoints_file, token)
        for i, port in enumerate(replica_ports(settings, ports))
    ]
    return [
        *common_services(settings),
        *replicas,
        proxy_service(settings, replica_ports(settings, ports)),
    ]


def embedded_services(settings: Settings, endpoints_file: Path, token: str) -> List[Service]:
    services = common_services(settings)
    rasa = rasa_service(settings, "rasa", settings.rasa_port, endpoints_file, token)
    return [services[0], rasa, *services[1:]]


def prepare_scale(settings: Settings) -> None:
    """Databases exist, the CRM is migrated and seeded (idempotent)."""
    from crm_backend.migrate import upgrade
    from crm_backend.seed import seed

    ensure_database(settings.database_url)
    ensure_database(settings.tracker_url)
    upgrade(settings.database_url)
    seed(settings.database_url)
