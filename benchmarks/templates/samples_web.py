"""Sample files of the network workloads: nginx_access, firewall and dns (called by make_samples.py)."""

from __future__ import annotations

from samplekit import (
    BROWSERS,
    CATEGORIES,
    CITIES,
    DEPARTMENTS,
    PRODUCTS,
    RNG,
    SITES,
    digest,
    isp,
    people,
    public_ip,
    write_csv,
    write_json,
)


def nginx_access() -> None:
    users = people(40)
    clients = []
    for _ in range(150):
        city, iso, country, lat, lon = RNG.choice(CITIES)
        asn, org = isp(iso)
        segment = RNG.choices(["consumer", "partner", "crawler"], [85, 8, 7])[0]
        user = RNG.choice(users) if segment == "consumer" and RNG.random() < 0.35 else "-"
        clients.append(
            {
                "ip": public_ip(),
                "country_iso": iso,
                "country": country,
                "city": city,
                "lat": lat,
                "lon": lon,
                "asn": asn,
                "as_org": org,
                "user": user,
                "segment": segment,
            }
        )
    write_csv("nginx_access", "clients.csv", clients)

    def page(path: str, section: str, pool: str, size: int, ctype: str = "text/html") -> dict:
        return {"path": path, "section": section, "pool": pool, "bytes_mean": size, "content_type": ctype}

    pages = [page(f"/products/{slug}", "catalog", "web", 48000) for slug in PRODUCTS]
    pages += [page(f"/category/{cat}", "catalog", "web", 61000) for cat in CATEGORIES]
    pages += [
        page(path, "account", "web", 21000)
        for path in (
            "/account/login",
            "/account/orders",
            "/account/profile",
            "/cart",
            "/checkout",
            "/checkout/payment",
            "/account/logout",
            "/account/password-reset",
        )
    ]
    for i, path in enumerate(
        (
            "products/{id}",
            "products/{id}/reviews",
            "cart/items",
            "cart/items/{id}",
            "search",
            "orders",
            "orders/{id}",
            "inventory/{id}",
            "recommendations",
            "session",
        )
    ):
        path = "/api/v2/" + path.replace("{id}", str(1000 + 37 * i))
        pages.append(page(path, "api", "api", 2400 + 300 * i, "application/json"))
    kinds = {
        "js": ("js", "application/javascript"),
        "css": ("css", "text/css"),
        "webp": ("img/products", "image/webp"),
        "woff2": ("fonts", "font/woff2"),
    }
    for i in range(24):
        kind = tuple(kinds)[i % 4]
        folder, ctype = kinds[kind]
        size = RNG.choice([8000, 26000, 90000, 140000])
        pages.append(page(f"/static/{folder}/{digest('static', i, size=10)}.{kind}", "static", "static", size, ctype))
    pages += [
        page(path, "admin", "admin", 9000)
        for path in ("/admin/login", "/admin/orders", "/admin/users", "/admin/reports/sales", "/admin/inventory")
    ]
    write_json("nginx_access", "pages.json", pages)
    fields = ("original", "name", "version", "os", "os_version", "device", "kind", "weight")
    write_csv("nginx_access", "agents.csv", [dict(zip(fields, b, strict=True)) for b in BROWSERS])
    upstreams = []
    for pool, count, port in (("web", 6, 8080), ("api", 5, 9000), ("static", 3, 8081), ("admin", 2, 8443)):
        for i in range(count):
            upstreams.append(
                {
                    "name": f"{pool}-{i + 1:02d}",
                    "address": f"10.40.{len(upstreams) + 10}.{11 + i}:{port}",
                    "pool": pool,
                    "zone": ("eu-west-1a", "eu-west-1b", "eu-west-1c")[i % 3],
                }
            )
    write_csv("nginx_access", "upstreams.csv", upstreams)


FIREWALL_POLICIES = (
    # (name, destination interface, its role, zone, action)
    ("LAN-to-Internet", "wan1", "wan", "internet", "accept"),
    ("LAN-to-Internet-backup", "wan2", "wan", "internet", "accept"),
    ("Guest-to-Internet", "wan1", "wan", "internet", "accept"),
    ("Block-P2P", "wan1", "wan", "internet", "deny"),
    ("Block-Known-Bad", "wan1", "wan", "internet", "deny"),
    ("LAN-to-DMZ-Web", "dmz", "dmz", "dmz", "accept"),
    ("LAN-to-DMZ-Mail", "dmz", "dmz", "dmz", "accept"),
    ("Deny-LAN-to-DMZ", "dmz", "dmz", "dmz", "deny"),
    ("LAN-to-DC-Core", "dc-core", "lan", "datacenter", "accept"),
    ("LAN-to-DC-DB", "dc-core", "lan", "datacenter", "accept"),
    ("Deny-LAN-to-DC-Mgmt", "dc-mgmt", "lan", "datacenter", "deny"),
    ("VPN-to-DC", "dc-core", "lan", "datacenter", "accept"),
)
FIREWALL_SERVICES = (
    # (name, protocol, port, application, application category, weight, zone)
    ("HTTPS", 6, 443, "HTTPS.BROWSER", "Web.Client", 40, "internet"),
    ("HTTP", 6, 80, "HTTP.BROWSER", "Web.Client", 8, "internet"),
    ("DNS", 17, 53, "DNS", "Network.Service", 14, "internet"),
    ("NTP", 17, 123, "NTP", "Network.Service", 2, "internet"),
    ("QUIC", 17, 443, "QUIC", "Network.Service", 9, "internet"),
    ("Microsoft.Teams", 6, 443, "Microsoft.Teams", "Collaboration", 6, "internet"),
    ("Zoom", 17, 8801, "Zoom.Meeting", "Collaboration", 3, "internet"),
    ("Slack", 6, 443, "Slack", "Collaboration", 3, "internet"),
    ("Office365", 6, 443, "Microsoft.Office.365", "Collaboration", 8, "internet"),
    ("YouTube", 6, 443, "YouTube", "Video/Audio", 4, "internet"),
    ("Netflix", 6, 443, "Netflix", "Video/Audio", 1, "internet"),
    ("BitTorrent", 6, 6881, "BitTorrent", "P2P", 1, "internet"),
    ("SSH-out", 6, 22, "SSH", "Network.Service", 1, "internet"),
    ("SMTP", 6, 25, "SMTP", "Email", 2, "dmz"),
    ("SMTPS", 6, 465, "SMTPS", "Email", 2, "dmz"),
    ("IMAPS", 6, 993, "IMAPS", "Email", 3, "dmz"),
    ("HTTPS-DMZ", 6, 443, "HTTPS.BROWSER", "Web.Client", 6, "dmz"),
    ("SMB", 6, 445, "SMB", "Network.Service", 8, "datacenter"),
    ("LDAP", 6, 389, "LDAP", "Network.Service", 5, "datacenter"),
    ("Kerberos", 17, 88, "Kerberos", "Network.Service", 5, "datacenter"),
    ("MS-SQL", 6, 1433, "MS.SQL.Server", "Business", 3, "datacenter"),
    ("PostgreSQL", 6, 5432, "PostgreSQL", "Business", 2, "datacenter"),
    ("RDP", 6, 3389, "RDP", "Remote.Access", 2, "datacenter"),
    ("SSH-in", 6, 22, "SSH", "Remote.Access", 2, "datacenter"),
)


def firewall() -> None:
    devices = [
        {
            "name": f"FGT-{site.upper()}-EDGE",
            "serial": f"FG200F{RNG.randint(10**9, 10**10 - 1)}",
            "vdom": "root",
            "site": site,
            "mgmt_ip": f"10.{20 + i}.255.1",
        }
        for i, site in enumerate(SITES)
    ]
    write_csv("firewall", "devices.csv", devices)
    policies = []
    for i, (name, dst, role, zone, action) in enumerate(FIREWALL_POLICIES):
        uuid = f"{digest('pol', i, size=8)}-{digest('pol', i, 1, size=4)}-51ee-{digest('pol', i, 2, size=4)}-" + digest(
            "pol", i, 3, size=12
        )
        policies.append(
            {
                "id": i + 1,
                "name": name,
                "dstintf": dst,
                "dstintfrole": role,
                "zone": zone,
                "action": action,
                "uuid": uuid,
            }
        )
    write_json("firewall", "policies.json", policies)
    fields = ("name", "proto", "port", "app", "appcat", "weight", "zone")
    write_csv("firewall", "services.csv", [dict(zip(fields, row, strict=True)) for row in FIREWALL_SERVICES])
    internal = []
    for i, user in enumerate(people(120)):
        site = RNG.choice(SITES)
        mac = "3c:52:82:" + ":".join(f"{RNG.randint(0, 255):02x}" for _ in range(3))
        internal.append(
            {
                "ip": f"10.{20 + SITES.index(site)}.{i % 4 + 1}.{i + 10}",
                "hostname": f"LT-{user.split('.')[1][:6].upper()}{i:03d}",
                "user": user,
                "dept": RNG.choice(DEPARTMENTS),
                "site": site,
                "mac": mac,
            }
        )
    write_csv("firewall", "internal.csv", internal)
    remote = []
    for i in range(150):
        _city, iso, country, _lat, _lon = RNG.choice(CITIES)
        category = RNG.choices(["business", "cdn", "saas", "streaming", "ads", "malicious"], [30, 25, 25, 10, 8, 2])[0]
        remote.append(
            {
                "ip": public_ip(),
                "country": country,
                "country_iso": iso,
                "category": category,
                "domain": f"{category[:3]}{digest('host', i, size=5)}.{RNG.choice(['com', 'net', 'io'])}",
                "zone": "internet",
            }
        )
    for i in range(40):
        zone = "dmz" if i < 10 else "datacenter"
        remote.append(
            {
                "ip": f"10.10.{i % 3 + 1}.{30 + i}" if zone == "datacenter" else f"172.16.10.{20 + i}",
                "country": "Reserved",
                "country_iso": "",
                "category": "internal",
                "domain": f"{zone[:3]}-srv{i:02d}.corp.example",
                "zone": zone,
            }
        )
    write_csv("firewall", "remote.csv", remote)


DOMAINS = (
    # (name, category, weight, ttl, cname target or "")
    ("login.microsoftonline.com", "saas", 30, 300, "login.mso.msidentity.com"),
    ("outlook.office365.com", "saas", 40, 30, "outlook.ha.office365.com"),
    ("teams.microsoft.com", "saas", 25, 300, "teams-office-com.s-0005.dc-msedge.net"),
    ("graph.microsoft.com", "saas", 15, 300, "graph.msft.akadns.net"),
    ("www.google.com", "business", 35, 300, ""),
    ("mail.google.com", "saas", 8, 300, "googlemail.l.google.com"),
    ("slack.com", "saas", 12, 60, ""),
    ("edgeapi.slack.com", "saas", 10, 60, "edgeapi.slack-edge.com"),
    ("api.github.com", "business", 10, 60, ""),
    ("github.com", "business", 8, 60, ""),
    ("zoom.us", "saas", 6, 60, ""),
    ("salesforce.com", "saas", 5, 300, ""),
    ("na123.salesforce.com", "saas", 4, 300, "na123.sfdc-ab12cd.salesforce.com"),
    ("www.linkedin.com", "social", 6, 300, "www-linkedin-com.l-0005.l-msedge.net"),
    ("www.youtube.com", "social", 9, 300, "youtube-ui.l.google.com"),
    ("www.facebook.com", "social", 4, 60, "star-mini.c10r.facebook.com"),
    ("cdn.jsdelivr.net", "cdn", 10, 3600, "jsdelivr.map.fastly.net"),
    ("ajax.googleapis.com", "cdn", 8, 300, ""),
    ("fonts.gstatic.com", "cdn", 12, 300, "gstaticadssl.l.google.com"),
    ("static.zdassets.com", "cdn", 3, 300, "static.zdassets.com.cdn.cloudflare.net"),
    ("www.googletagmanager.com", "ads", 9, 300, "www-googletagmanager.l.google.com"),
    ("stats.g.doubleclick.net", "ads", 7, 300, "stats.l.doubleclick.net"),
    ("pixel.adnet-example.com", "ads", 3, 120, ""),
    ("download.windowsupdate.com", "update", 6, 3600, "download.windowsupdate.com.edgesuite.net"),
    ("settings-win.data.microsoft.com", "update", 8, 3600, "atm-settingsfe-prod-geo.trafficmanager.net"),
    ("ctldl.windowsupdate.com", "update", 5, 3600, "audownload.windowsupdate.nsatc.net"),
    ("archive.ubuntu.com", "update", 3, 60, ""),
    ("security.ubuntu.com", "update", 3, 60, ""),
    ("pypi.org", "business", 3, 86400, "dualstack.python.map.fastly.net"),
    ("registry.npmjs.org", "business", 3, 300, ""),
)


def dns() -> None:
    domains = [dict(zip(("name", "category", "weight", "ttl", "cname"), row, strict=True)) for row in DOMAINS]
    for i in range(60):
        domains.append(
            {
                "name": f"d{digest('cf', i, size=13)}.cloudfront.net",
                "category": "cdn",
                "weight": 2,
                "ttl": 60,
                "cname": "",
            }
        )
    for i, name in enumerate(
        (
            "dc01",
            "dc02",
            "intranet",
            "wiki",
            "jira",
            "git",
            "wsus",
            "print01",
            "files",
            "vpn",
            "mail",
            "sso",
            "hr-portal",
            "grafana",
            "vault",
            "artifactory",
        )
    ):
        domains.append(
            {
                "name": f"{name}.corp.example",
                "category": "internal",
                "weight": 12 if i < 2 else 4,
                "ttl": 1200,
                "cname": "",
            }
        )
    for i in range(40):
        tld = RNG.choice(["top", "xyz", "info", "biz", "ru", "cn"])
        domains.append(
            {
                "name": f"{digest('dga', i, size=RNG.randint(9, 16))}.{tld}",
                "category": "malicious",
                "weight": 1,
                "ttl": 300,
                "cname": "",
            }
        )
    for i in range(30):
        domains.append(
            {
                "name": f"cdn{i:02d}.static-assets-example.net",
                "category": "cdn",
                "weight": 1,
                "ttl": 600,
                "cname": f"cdn{i:02d}.static-assets-example.net.edgekey.net",
            }
        )
    for row in domains:
        parts = row["name"].split(".")
        row["registered_domain"] = ".".join(parts[-2:])
        row["tld"] = parts[-1]
        row["subdomain"] = ".".join(parts[:-2])
        if row["category"] == "internal":
            row["address"] = f"10.10.{RNG.randint(0, 3)}.{RNG.randint(10, 250)}"
        elif row["category"] == "malicious":
            row["address"] = public_ip() if RNG.random() < 0.5 else ""
        else:
            row["address"] = public_ip()
    write_csv("dns", "domains.csv", domains)
    clients = []
    for i, user in enumerate(people(110)):
        site = RNG.choice(SITES)
        role = RNG.choices(["workstation", "server", "iot"], [80, 14, 6])[0]
        os_name = {"workstation": RNG.choice(["Windows", "Windows", "macOS"]), "server": "Linux", "iot": "Linux"}[role]
        prefix = {"workstation": "wks", "server": "srv", "iot": "cam"}[role]
        clients.append(
            {
                "ip": f"10.{20 + SITES.index(site)}.{i % 8}.{i + 20}",
                "hostname": f"{prefix}-{site}-{i:03d}",
                "os": os_name,
                "user": user if role == "workstation" else "",
                "role": role,
                "site": site,
            }
        )
    write_csv("dns", "clients.csv", clients)
    resolvers = [
        {
            "ip": f"10.{20 + i}.0.53",
            "hostname": f"ns{i + 1}.{site}.corp.example",
            "site": site,
            "forwarder": RNG.choice(["1.1.1.1", "8.8.8.8", "9.9.9.9"]),
        }
        for i, site in enumerate(SITES)
    ]
    write_csv("dns", "resolvers.csv", resolvers)
