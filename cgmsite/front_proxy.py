"""The committed front (deploy/nginx/, deploy/varnish/) run on this machine.

``make serve-prod``, the tests (tests/cgmsite/test_front_proxy.py) and ``make bench-web``
start nginx and Varnish from the very files operators use (docs/deploy.md), changed only
where a local run must differ: the ports, the project's folder instead of /srv/cgmsite,
files under a work folder instead of /var/log and /var/lib, and a plain-HTTP server on
127.0.0.1 instead of the TLS one (``cgmsite.conf`` holds only the two server blocks and
the upstream around the included files, which are used as they are).

Nothing here imports Django.

    python -m cgmsite.front_proxy --workdir var/front --port 8000 --backend-port 8001
"""

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
# Where the committed files expect the project (docs/deploy.md).
SERVER_ROOT = "/srv/cgmsite"
NGINX_FILES = ("cgmsite-http.conf", "cgmsite-server.conf", "cgmsite-proxy.conf")


def find(name: str) -> str | None:
    """A binary on PATH or in /usr/sbin (not on an ordinary user's PATH in Debian)."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def missing_binaries() -> list[str]:
    return [name for name in ("nginx", "varnishd") if find(name) is None]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def nginx_main(workdir: Path, *, host: str, port: int, varnish_port: int, access_log: Path) -> str:
    """The main file of the local run: what /etc/nginx/nginx.conf and cgmsite.conf are on a
    server, plain HTTP on ``host:port``, every file nginx writes under ``workdir``."""
    temp = workdir / "tmp"
    # Started as root, nginx would run its workers as "nobody", who cannot reach a work
    # folder of ours (pytest's is private): the same user as the rest of the local stack.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""# Made by cgmsite/front_proxy.py for a local run (deploy/nginx/ is the source).
{user}daemon off;
worker_processes auto;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log error;

events {{
    worker_connections 1024;
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;

    include {workdir}/cgmsite-http.conf;

    upstream cgmsite_cache {{
        server 127.0.0.1:{varnish_port};
        keepalive 16;
    }}

    server {{
        listen {host}:{port};
        server_name _;
        access_log {access_log} cgmsite;
        include {workdir}/cgmsite-server.conf;
    }}
}}
"""


def localise(text: str, workdir: Path, *, static_root: Path, media_root: Path) -> str:
    """A committed nginx file with this machine's paths: the included files from
    ``workdir`` (their local copies), the rest from the project's folder."""
    text = text.replace(f"include {SERVER_ROOT}/deploy/nginx/", f"include {workdir}/")
    text = text.replace(f"{SERVER_ROOT}/staticfiles/", f"{static_root}/")
    text = text.replace(f"{SERVER_ROOT}/media/", f"{media_root}/")
    return text.replace(SERVER_ROOT, str(ROOT))


def vcl(backend_port: int, backend_host: str = "127.0.0.1") -> str:
    text = (DEPLOY / "varnish" / "cgmsite.vcl").read_text()
    text, hosts = re.subn(r'\.host = "[^"]*";', f'.host = "{backend_host}";', text, count=1)
    text, ports = re.subn(r'\.port = "\d+";', f'.port = "{backend_port}";', text, count=1)
    if hosts != 1 or ports != 1:
        raise RuntimeError("deploy/varnish/cgmsite.vcl: no backend .host and .port to set")
    return text


@dataclass
class Front:
    """nginx on ``host:port`` -> Varnish on ``varnish_port`` -> gunicorn on ``backend_port``."""

    workdir: Path
    port: int
    backend_port: int
    varnish_port: int = 0
    host: str = "127.0.0.1"
    static_root: Path = ROOT / "staticfiles"
    media_root: Path = ROOT / "media"
    cache_size: str = "256m"
    processes: list = field(default_factory=list)

    def __post_init__(self):
        self.workdir = Path(self.workdir).resolve()
        self.varnish_port = self.varnish_port or free_port()

    @property
    def access_log(self) -> Path:
        return self.workdir / "access.log"

    @property
    def purge_url(self) -> str:
        """``FRONTEND_CACHE_VARNISH_URL`` for the site."""
        return f"http://127.0.0.1:{self.varnish_port}"

    def render(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "tmp").mkdir(exist_ok=True)
        for name in NGINX_FILES:
            text = (DEPLOY / "nginx" / name).read_text()
            paths = {"static_root": self.static_root, "media_root": self.media_root}
            (self.workdir / name).write_text(localise(text, self.workdir, **paths))
        main = nginx_main(
            self.workdir,
            host=self.host,
            port=self.port,
            varnish_port=self.varnish_port,
            access_log=self.access_log,
        )
        (self.workdir / "nginx.conf").write_text(main)
        (self.workdir / "cgmsite.vcl").write_text(vcl(self.backend_port))

    def nginx_command(self) -> list[str]:
        # -e: nginx opens its error log before reading the configuration (/var/log/nginx).
        return [find("nginx"), "-e", str(self.workdir / "nginx-error.log"), "-p", str(self.workdir),
                "-c", str(self.workdir / "nginx.conf")]  # fmt: skip

    def varnish_command(self) -> list[str]:
        # -j none: no jail (no switch to the varnish user, which could not read a
        # work folder of ours); -T none: no management port, nothing uses one.
        return [find("varnishd"), "-F", "-j", "none", "-T", "none",
                "-n", str(self.workdir / "varnish"),
                "-a", f"127.0.0.1:{self.varnish_port}",
                "-f", str(self.workdir / "cgmsite.vcl"),
                "-s", f"malloc,{self.cache_size}"]  # fmt: skip

    def check(self) -> None:
        """nginx's and Varnish's own checks of the rendered files (clear errors early)."""
        nginx = subprocess.run(  # noqa: S603
            [*self.nginx_command(), "-t", "-q"], capture_output=True, text=True, check=False
        )
        if nginx.returncode:
            raise RuntimeError(f"nginx refuses its configuration:\n{nginx.stderr}")
        varnish = subprocess.run(  # noqa: S603
            [find("varnishd"), "-C", "-j", "none", "-f", str(self.workdir / "cgmsite.vcl"),
             "-n", str(self.workdir / "varnish-check")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        shutil.rmtree(self.workdir / "varnish-check", ignore_errors=True)
        if varnish.returncode:
            raise RuntimeError(f"Varnish refuses its VCL:\n{varnish.stderr[-3000:]}")

    def start(self, *, timeout: float = 30, new_session: bool = True) -> None:
        """Varnish, then nginx, each answering; on failure both are stopped again."""
        self.render()
        self.check()
        try:
            for name, command, port in (
                ("varnish", self.varnish_command(), self.varnish_port),
                ("nginx", self.nginx_command(), self.port),
            ):
                log = (self.workdir / f"{name}.out").open("w")
                process = subprocess.Popen(  # noqa: S603
                    command, stdout=log, stderr=subprocess.STDOUT, start_new_session=new_session
                )
                log.close()
                self.processes.append((name, process))
                wait_for_port(self.host if name == "nginx" else "127.0.0.1", port, process,
                              timeout=timeout, log=self.workdir / f"{name}.out")  # fmt: skip
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """nginx first (no new requests), then Varnish; SIGKILL after 10 s."""
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        self.processes.clear()


def wait_for_port(host: str, port: int, process, *, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
            return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{process.args[0]} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


def main() -> None:
    """Run the front in the foreground until SIGTERM or SIGINT (``bin/serve-prod``)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--port", type=int, required=True, help="nginx, on 127.0.0.1")
    parser.add_argument("--backend-port", type=int, required=True, help="gunicorn")
    parser.add_argument("--varnish-port", type=int, default=0, help="default: a free one")
    parser.add_argument("--static-root", type=Path, default=ROOT / "staticfiles")
    media = Path(os.environ.get("MEDIA_ROOT", ROOT / "media"))
    parser.add_argument("--media-root", type=Path, default=media)
    parser.add_argument("--ready-file", type=Path, help="write Varnish's purge URL here when ready")
    args = parser.parse_args()
    if missing := missing_binaries():
        raise SystemExit(f"Not installed: {', '.join(missing)} (apt-get install nginx varnish).")
    front = Front(
        args.workdir, args.port, args.backend_port, args.varnish_port,
        static_root=args.static_root.resolve(), media_root=args.media_root.resolve(),
    )  # fmt: skip

    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        # Same process group as this one: serve-prod stops the group, every part with it.
        front.start(new_session=False)
        if args.ready_file:
            args.ready_file.write_text(front.purge_url)
        while all(process.poll() is None for _name, process in front.processes):
            time.sleep(0.5)
        ended = [name for name, process in front.processes if process.poll() is not None]
        raise SystemExit(f"front: {', '.join(ended)} stopped; see {front.workdir}")
    finally:
        front.stop()


if __name__ == "__main__":
    sys.exit(main())
