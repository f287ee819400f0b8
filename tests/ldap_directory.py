"""A real LDAP directory for the tests: Debian's ``slapd``, started in a
scratch folder on a free loopback port with its own configuration and
data, the way a company's OpenLDAP or Active Directory answers (a service
account that searches, people under ``ou=people`` with ``inetOrgPerson``'s
``employeeNumber``).

Nothing of the machine's own LDAP (if any) is touched: the configuration is
a ``slapd.conf`` in the folder, the database is an MDB file there, and the
server is stopped when the tests end.
"""

from __future__ import annotations

import base64
import dataclasses
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")

BASE = "dc=rollout,dc=test"
PEOPLE = f"ou=people,{BASE}"
ADMIN_DN, ADMIN_PASSWORD = f"cn=admin,{BASE}", "directory-admin"
SERVICE_DN, SERVICE_PASSWORD = f"cn=rollout,{BASE}", "service-secret"


@dataclasses.dataclass(frozen=True)
class Person:
    """An entry under ``ou=people``: ``uid`` is the directory's account
    name, ``employee_no`` its ``employeeNumber`` (absent when empty)."""

    uid: str
    password: str
    employee_no: str = ""
    name: str = "测试员工"

    @property
    def dn(self) -> str:
        return f"uid={self.uid},{PEOPLE}"

    def ldif(self) -> str:
        lines = [
            f"dn: {self.dn}",
            "objectClass: inetOrgPerson",
            f"uid: {self.uid}",
            f"cn:: {_b64(self.name)}",
            f"sn:: {_b64(self.name[:1])}",
            f"userPassword: {self.password}",
        ]
        if self.employee_no:
            lines.append(f"employeeNumber: {self.employee_no}")
        return "\n".join(lines) + "\n"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def available() -> str:
    """Why the directory cannot be started here, or ``""`` when it can."""
    if not Path(SLAPD).exists() or not Path(SLAPADD).exists():
        return "Debian's slapd is not installed (apt-get install slapd)"
    if not (SCHEMA / "inetorgperson.schema").exists():
        return f"slapd's schemas are missing from {SCHEMA}"
    return ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def closed_address() -> str:
    """An ``ldap://`` address where nothing answers (a directory down)."""
    return f"ldap://127.0.0.1:{_free_port()}"


def _config(folder: Path) -> str:
    schemas = "\n".join(
        f"include {SCHEMA / name}.schema"
        for name in ("core", "cosine", "nis", "inetorgperson")
    )
    return f"""{schemas}
pidfile {folder / "slapd.pid"}
modulepath {MODULES}
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{BASE}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {folder / "data"}
access to attrs=userPassword
  by dn.exact="{SERVICE_DN}" none
  by anonymous auth
  by self write
  by * none
access to dn.subtree="{PEOPLE}"
  by dn.exact="{SERVICE_DN}" read
  by self read
  by * none
access to * by * none
"""


def _entries(people: list[Person]) -> str:
    blocks = [
        f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\n"
        "dc: rollout\no: Rollout Academy test\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\n"
        f"objectClass: simpleSecurityObject\ncn: rollout\n"
        f"userPassword: {SERVICE_PASSWORD}\n",
        *(person.ldif() for person in people),
    ]
    return "\n".join(blocks)


@contextmanager
def directory(folder: Path, people: list[Person]) -> Iterator[str]:
    """A running slapd holding ``people``; its ``ldap://`` address."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    config = folder / "slapd.conf"
    config.write_text(_config(folder))
    (folder / "entries.ldif").write_text(_entries(people))
    subprocess.run(
        [SLAPADD, "-f", str(config), "-l", str(folder / "entries.ldif")],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    uri = f"ldap://127.0.0.1:{port}"
    # -d 0 keeps slapd in the foreground, so that it is this process's child.
    server = subprocess.Popen(
        [SLAPD, "-f", str(config), "-h", f"{uri}/", "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(
                        f"slapd ended with {server.returncode}"
                    ) from None
                time.sleep(0.05)
        yield uri
    finally:
        server.terminate()
        server.wait(timeout=10)
