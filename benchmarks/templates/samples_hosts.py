"""Sample files of the host and cloud workloads: windows_security, linux_auth and cloudtrail (make_samples.py)."""

from __future__ import annotations

from samplekit import (
    CITIES,
    DEPARTMENTS,
    RNG,
    SITES,
    WINDOWS_TOOLS,
    digest,
    isp,
    people,
    public_ip,
    write_csv,
    write_json,
)


def windows_security() -> None:
    hosts = [
        {"hostname": f"DC{i + 1:02d}", "ip": f"10.10.0.{10 + i}", "role": "dc", "site": site, "os_build": "20348"}
        for i, site in enumerate(SITES)
    ]
    for i, name in enumerate(("FS", "SQL", "APP", "WSUS", "PRN", "RDS", "EXCH", "BKP") * 2):
        hosts.append(
            {
                "hostname": f"SRV-{name}{i // 8 + 1:02d}",
                "ip": f"10.10.1.{20 + i}",
                "role": "server",
                "site": SITES[i % 4],
                "os_build": RNG.choice(["17763", "20348"]),
            }
        )
    users = []
    for i, name in enumerate(people(130)):
        dept = RNG.choice(DEPARTMENTS)
        site = RNG.choice(SITES)
        station = f"WKS-{site.upper()}-{1000 + i:04d}"
        hosts.append(
            {
                "hostname": station,
                "ip": f"10.{20 + SITES.index(site)}.{i // 200}.{i % 200 + 20}",
                "role": "workstation",
                "site": site,
                "os_build": RNG.choice(["19045", "22631", "22631"]),
            }
        )
        privileged = "yes" if dept == "it" and RNG.random() < 0.6 else "no"
        users.append(
            {
                "name": name,
                "domain": "CORP",
                "sid": f"S-1-5-21-3623811015-3361044348-30300820-{1105 + i}",
                "dept": dept,
                "privileged": privileged,
                "workstation": station,
            }
        )
    for i, name in enumerate(("svc_backup", "svc_sql", "svc_sccm", "svc_web", "adm_helpdesk")):
        users.append(
            {
                "name": name,
                "domain": "CORP",
                "sid": f"S-1-5-21-3623811015-3361044348-30300820-{500 + i}",
                "dept": "it",
                "privileged": "yes",
                "workstation": hosts[4 + i]["hostname"],
            }
        )
    write_csv("windows_security", "users.csv", users)
    write_csv("windows_security", "hosts.csv", hosts)
    fields = ("image", "category", "integrity", "args", "weight")
    write_json("windows_security", "processes.json", [dict(zip(fields, t, strict=True)) for t in WINDOWS_TOOLS])


LINUX_COMMANDS = (
    # (command, category, roles it runs on, risk)
    ("/usr/bin/systemctl restart nginx", "service", "web", "low"),
    ("/usr/bin/systemctl status nginx", "service", "web", "low"),
    ("/usr/bin/systemctl reload php8.2-fpm", "service", "web", "low"),
    ("/usr/bin/journalctl -u nginx --since -1h", "service", "web", "low"),
    ("/usr/bin/tail -n 200 /var/log/nginx/error.log", "file", "web", "low"),
    ("/usr/bin/certbot renew --quiet", "service", "web", "medium"),
    ("/usr/bin/systemctl restart postgresql", "service", "db", "medium"),
    ("/usr/bin/psql -U postgres -c SELECT pg_reload_conf()", "service", "db", "medium"),
    ("/usr/bin/pg_dump -Fc billing -f /backup/billing.dump", "file", "db", "medium"),
    ("/usr/bin/du -sh /var/lib/postgresql/16/main", "file", "db", "low"),
    ("/usr/bin/docker ps -a", "service", "build", "low"),
    ("/usr/bin/docker system prune -af", "service", "build", "medium"),
    ("/usr/bin/systemctl restart gitlab-runner", "service", "build", "low"),
    ("/usr/bin/apt-get update", "package", "web db build bastion", "low"),
    ("/usr/bin/apt-get install -y htop", "package", "web db build bastion", "medium"),
    ("/usr/bin/apt-get upgrade -y", "package", "web db build bastion", "medium"),
    ("/usr/bin/unattended-upgrade --dry-run", "package", "web db build bastion", "low"),
    ("/usr/bin/cat /etc/shadow", "file", "web db build bastion", "high"),
    ("/usr/bin/vim /etc/ssh/sshd_config", "file", "web db build bastion", "high"),
    ("/usr/bin/vim /etc/sudoers.d/90-ops", "file", "web db build bastion", "high"),
    ("/usr/sbin/useradd -m -s /bin/bash contractor1", "user", "bastion", "high"),
    ("/usr/sbin/usermod -aG docker deploy", "user", "build", "high"),
    ("/usr/bin/passwd -l olduser", "user", "web db build bastion", "high"),
    ("/usr/bin/chmod 600 /home/deploy/.ssh/authorized_keys", "file", "web db build bastion", "medium"),
    ("/usr/bin/ss -tlpn", "network", "web db build bastion", "low"),
    ("/usr/sbin/iptables -L -n -v", "network", "web db build bastion", "medium"),
    ("/usr/bin/tcpdump -i eth0 port 443 -c 100", "network", "web bastion", "medium"),
    ("/usr/bin/ls -la /root", "file", "web db build bastion", "medium"),
    ("/usr/bin/crontab -l -u www-data", "file", "web", "low"),
    ("/usr/bin/kill -HUP 1422", "service", "web db build", "medium"),
    ("/bin/bash", "shell", "web db build bastion", "high"),
    ("/usr/bin/su - postgres", "shell", "db", "high"),
)


def linux_auth() -> None:
    users = []
    for i, name in enumerate(people(48, short=True)):
        dept = RNG.choice(("engineering", "it", "support", "engineering"))
        users.append(
            {
                "name": name,
                "uid": 1001 + i,
                "group": dept,
                "dept": dept,
                "sudoer": "yes" if dept == "it" or RNG.random() < 0.2 else "no",
                "key_type": RNG.choice(["ED25519", "ED25519", "RSA", "ECDSA"]),
            }
        )
    for i, name in enumerate(("deploy", "ansible", "backup", "git", "nagios", "jenkins")):
        users.append(
            {
                "name": name,
                "uid": 900 + i,
                "group": "svc",
                "dept": "automation",
                "sudoer": "yes" if name in ("deploy", "ansible") else "no",
                "key_type": "ED25519",
            }
        )
    write_csv("linux_auth", "users.csv", users)
    hosts = []
    for i in range(40):
        role = ("web", "web", "db", "build", "bastion")[i % 5] if i >= 2 else "bastion"
        os_name, version, kernel = RNG.choice(
            [
                ("Ubuntu", "22.04.4 LTS (Jammy Jellyfish)", "5.15.0-105-generic"),
                ("Ubuntu", "24.04 LTS (Noble Numbat)", "6.8.0-31-generic"),
                ("Debian GNU/Linux", "12 (bookworm)", "6.1.0-21-amd64"),
                ("Rocky Linux", "9.3 (Blue Onyx)", "5.14.0-362.24.1.el9_3.x86_64"),
            ]
        )
        site = SITES[i % 4]
        hosts.append(
            {
                "hostname": f"{role}-{site}-{i:02d}",
                "ip": f"10.{30 + i % 4}.{i // 4}.{10 + i}",
                "role": role,
                "site": site,
                "os_name": os_name,
                "os_version": version,
                "kernel": kernel,
            }
        )
    write_csv("linux_auth", "hosts.csv", hosts)
    fields = ("command", "category", "roles", "risk")
    write_json("linux_auth", "commands.json", [dict(zip(fields, row, strict=True)) for row in LINUX_COMMANDS])
    attackers = []
    for _ in range(60):
        city, iso, country, lat, lon = RNG.choice(CITIES)
        asn, org = isp(iso)
        attackers.append(
            {
                "ip": public_ip(),
                "country_iso": iso,
                "country": country,
                "city": city,
                "lat": lat,
                "lon": lon,
                "asn": asn,
                "as_org": org,
            }
        )
    write_csv("linux_auth", "attackers.csv", attackers)


CLOUD_ACTIONS = (
    # (event source prefix, event name, read only, kind, weight, resource)
    ("s3", "GetObject", True, "data", 30, "object"),
    ("s3", "PutObject", False, "data", 12, "object"),
    ("s3", "ListBucket", True, "read", 8, "bucket"),
    ("s3", "GetBucketPolicy", True, "read", 2, "bucket"),
    ("s3", "PutBucketPolicy", False, "write", 1, "bucket"),
    ("s3", "DeleteObject", False, "data", 2, "object"),
    ("ec2", "DescribeInstances", True, "read", 20, "instance"),
    ("ec2", "DescribeSecurityGroups", True, "read", 6, "security_group"),
    ("ec2", "RunInstances", False, "write", 2, "instance"),
    ("ec2", "StopInstances", False, "write", 1, "instance"),
    ("ec2", "TerminateInstances", False, "write", 1, "instance"),
    ("ec2", "AuthorizeSecurityGroupIngress", False, "write", 1, "security_group"),
    ("ec2", "CreateSnapshot", False, "write", 1, "volume"),
    ("iam", "GetUser", True, "read", 3, "user"),
    ("iam", "ListRoles", True, "read", 3, "role"),
    ("iam", "CreateAccessKey", False, "iam", 1, "user"),
    ("iam", "AttachRolePolicy", False, "iam", 1, "role"),
    ("iam", "PutUserPolicy", False, "iam", 1, "user"),
    ("iam", "CreateUser", False, "iam", 1, "user"),
    ("sts", "AssumeRole", True, "read", 14, "role"),
    ("sts", "GetCallerIdentity", True, "read", 10, "none"),
    ("kms", "Decrypt", True, "read", 14, "key"),
    ("kms", "GenerateDataKey", True, "read", 8, "key"),
    ("kms", "ScheduleKeyDeletion", False, "write", 1, "key"),
    ("lambda", "Invoke", False, "data", 6, "function"),
    ("lambda", "UpdateFunctionCode", False, "write", 2, "function"),
    ("lambda", "GetFunction", True, "read", 3, "function"),
    ("logs", "CreateLogStream", False, "write", 5, "log_group"),
    ("logs", "PutRetentionPolicy", False, "write", 1, "log_group"),
    ("logs", "DescribeLogGroups", True, "read", 3, "log_group"),
    ("dynamodb", "DescribeTable", True, "read", 4, "table"),
    ("dynamodb", "UpdateTable", False, "write", 1, "table"),
    ("rds", "DescribeDBInstances", True, "read", 4, "db"),
    ("rds", "ModifyDBInstance", False, "write", 1, "db"),
    ("ssm", "GetParameter", True, "read", 9, "parameter"),
    ("ssm", "StartSession", False, "write", 2, "instance"),
    ("secretsmanager", "GetSecretValue", True, "read", 7, "secret"),
    ("secretsmanager", "PutSecretValue", False, "write", 1, "secret"),
    ("cloudformation", "DescribeStacks", True, "read", 4, "stack"),
    ("cloudformation", "UpdateStack", False, "write", 1, "stack"),
)
CLOUD_TEAMS = {
    "platform": "ec2 iam sts kms lambda logs cloudformation ssm s3 rds dynamodb secretsmanager",
    "data": "s3 dynamodb rds kms sts logs",
    "app": "lambda dynamodb s3 logs sts ssm secretsmanager kms",
    "security": "iam sts kms logs s3 ec2 cloudformation",
    "finance": "s3 sts",
}


def cloudtrail() -> None:
    accounts = ("210987654321", "381624907153", "552019837466")
    identities = []
    for i, name in enumerate(people(26)):
        team = RNG.choice(tuple(CLOUD_TEAMS))
        account = accounts[i % 3]
        sso = i % 3 != 0
        role = f"AWSReservedSSO_{'AdministratorAccess' if team in ('platform', 'security') else 'PowerUser'}_" + digest(
            "sso", team, size=16
        )
        identities.append(
            {
                "type": "AssumedRole" if sso else "IAMUser",
                "name": name,
                "account": account,
                "team": team,
                "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{name}@corp.example"
                if sso
                else f"arn:aws:iam::{account}:user/{name}",
                "principal_id": ("AROA" if sso else "AIDA")
                + digest("pid", name, size=17).upper()
                + (f":{name}@corp.example" if sso else ""),
                "access_key": ("ASIA" if sso else "AKIA") + digest("key", name, size=16).upper(),
                "role": role if sso else "",
                "services": CLOUD_TEAMS[team].split(),
                "mfa": sso or RNG.random() < 0.5,
                "admin": team in ("platform", "security"),
                "agent": RNG.choice(["console", "cli", "cli", "sdk"]),
            }
        )
    for i, (name, team) in enumerate(
        (
            ("github-actions-deploy", "platform"),
            ("terraform-ci", "platform"),
            ("etl-nightly", "data"),
            ("orders-api-lambda", "app"),
            ("guardduty-responder", "security"),
        )
    ):
        account = accounts[i % 3]
        session = digest("session", name, size=19)
        identities.append(
            {
                "type": "AssumedRole",
                "name": name,
                "account": account,
                "team": team,
                "arn": f"arn:aws:sts::{account}:assumed-role/{name}/{session}",
                "principal_id": "AROA" + digest("pid", name, size=17).upper() + f":{session}",
                "access_key": "ASIA" + digest("key", name, size=16).upper(),
                "role": name,
                "services": CLOUD_TEAMS[team].split(),
                "mfa": False,
                "admin": team == "platform",
                "agent": "terraform" if "terraform" in name else "sdk",
            }
        )
    write_json("cloudtrail", "identities.json", identities)
    fields = ("service", "name", "read_only", "kind", "weight", "resource")
    write_json("cloudtrail", "actions.json", [dict(zip(fields, row, strict=True)) for row in CLOUD_ACTIONS])
    sources = [{"ip": f"198.51.100.{10 + i}", "kind": "corp", "country_iso": "US"} for i in range(6)]
    sources += [{"ip": f"203.0.113.{40 + i}", "kind": "vpn", "country_iso": "DE"} for i in range(6)]
    sources += [{"ip": public_ip(), "kind": "home", "country_iso": RNG.choice(CITIES)[1]} for _ in range(30)]
    sources += [
        {
            "ip": f"3.{RNG.randint(80, 240)}.{RNG.randint(0, 255)}.{RNG.randint(1, 254)}",
            "kind": "aws",
            "country_iso": "US",
        }
        for _ in range(12)
    ]
    write_csv("cloudtrail", "sources.csv", sources)
