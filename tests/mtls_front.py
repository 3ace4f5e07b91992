"""Mutual TLS in front of a plain HTTP server, for tests: a small CA made with openssl (a client certificate signed
by it) and nginx terminating TLS on 127.0.0.1 with `ssl_verify_client on` (that CA), proxying to the server over
plain HTTP. Its access log tells which requests were taken (200) and which refused (400: no client certificate)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import free_port
from tests.servers import missing, self_signed_cert, start_server
from tests.waiting import stop_process

EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]  # fast to make, unlike RSA


@dataclass(frozen=True)
class ClientPki:
    ca: Path  # the CA the server trusts for client certificates
    cert: Path  # a client certificate it signed
    key: Path  # that certificate's key


def client_pki(folder: Path) -> ClientPki:
    """A CA and a client certificate signed by it (openssl), in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    pki = ClientPki(folder / "client-ca.pem", folder / "client.pem", folder / "client.key")
    ca_key, request = folder / "client-ca.key", folder / "client.csr"

    def openssl(*args: str | Path) -> None:
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)

    openssl("req", "-x509", *EC_KEY, "-days", "2", "-subj", "/CN=eventgen test CA", "-keyout", ca_key, "-out", pki.ca)
    openssl("req", *EC_KEY, "-subj", "/CN=eventgen test client", "-keyout", pki.key, "-out", request)
    openssl(
        "x509", "-req", "-in", request, "-CA", pki.ca, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
        "-out", pki.cert,
    )  # fmt: skip
    return pki


NGINX_CONF = """
{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
  log_format status '$status $request_method $request_uri $ssl_client_s_dn';
  access_log {folder}/access.log status;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  client_max_body_size 20m;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_client_certificate {client_ca};
    ssl_verify_client on;
    location / {{
      proxy_pass {upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
  }}
}}
"""


class MutualTlsFront:
    """nginx on 127.0.0.1:`port` (https, its certificate `server_cert` for 127.0.0.1/localhost), requiring a client
    certificate signed by `pki.ca`, in front of `upstream` (`http://127.0.0.1:PORT`)."""

    def __init__(self, folder: Path, upstream: str):
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(self.binary):
            missing("nginx", "apt-get install -y nginx-light")
        self.folder = folder / "nginx"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.server_cert, server_key = self_signed_cert(self.folder)
        self.pki = client_pki(folder / "pki")
        self.port = free_port()
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers as root can write the test's folder
        self.conf = self.folder / "nginx.conf"
        self.conf.write_text(
            NGINX_CONF.format(
                user=user, folder=self.folder, port=self.port, cert=self.server_cert, key=server_key,
                client_ca=self.pki.ca, upstream=upstream,
            )
        )  # fmt: skip
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> MutualTlsFront:
        argv = [self.binary, "-c", str(self.conf), "-p", str(self.folder), "-g", "daemon off;"]
        self.proc = start_server(argv, self.folder / "nginx.log", self.port, "nginx")
        return self

    def stop(self) -> None:
        stop_process(self.proc)

    def requests(self) -> list[tuple[int, str, str, str]]:
        """(status, method, uri, client certificate subject or '-') of each request nginx answered."""
        log = self.folder / "access.log"
        lines = log.read_text().splitlines() if log.exists() else []
        found = []
        for line in lines:
            status, method, uri, subject = line.split(" ", 3)
            found.append((int(status), method, uri, subject))
        return found
