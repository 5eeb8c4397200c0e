"""Sample texts for every secret format, generated at test time (no real-looking token is committed).

Templates: ``{C:n}`` is n random characters of class C — U upper, L lower, D digit, H hex, X alnum,
B base32 (A-Z2-7), W url-safe (alnum, ``_``, ``-``), S base64 (alnum, ``+``, ``/``), Q bech32.
"""

from __future__ import annotations

import random
import re
import string
import zlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # no mamoru import: fixture scripts use it

CLASSES = {
    "U": string.ascii_uppercase, "L": string.ascii_lowercase, "D": string.digits, "H": "0123456789abcdef",
    "X": string.ascii_letters + string.digits, "B": string.ascii_uppercase + "234567",
    "W": string.ascii_letters + string.digits + "_-", "S": string.ascii_letters + string.digits + "+/",
    "Q": "qpzry9x8gf2tvdw0s3jn54khce6mua7l".upper(),
}  # fmt: skip


def expand(template: str, rng: random.Random) -> str:
    return re.sub(r"\{(\w):(\d+)\}", lambda m: "".join(rng.choice(CLASSES[m.group(1)]) for _ in range(int(m.group(2)))),
                  template)  # fmt: skip


def github_token(prefix: str, rng: random.Random) -> str:
    """A token with a valid CRC32/base62 checksum, the way GitHub and npm issue them."""
    body = "".join(rng.choice(CLASSES["X"]) for _ in range(30))
    value, digits = zlib.crc32(body.encode()), ""
    while value:
        value, rest = divmod(value, 62)
        digits = BASE62[rest] + digits
    return f"{prefix}{body}{digits.rjust(6, '0')}"


PEM = "-----BEGIN RSA PRIVATE KEY-----\n{S:64}\n{S:64}\n{S:40}==\n-----END RSA PRIVATE KEY-----\n"
# rule id -> (path, text with the secret, path, a similar text that must not match)
SAMPLES: dict[str, tuple[str, str, str, str]] = {
    "SEC-001": ("app/settings.py", 'AWS_KEY = "AKIA{B:16}"\n', "app/a.py", 'x = "AKIA{B:15}"\n'),
    "SEC-002": ("home/u/.aws/credentials", "[default]\naws_secret_access_key = {S:40}\n", "a.py",
                "aws_secret_access_key = {S:39}\n"),
    "SEC-003": ("a.env", "TOKEN=<ghp>\n", "b.txt", "TOKEN=ghp_{X:35}\n"),
    "SEC-004": ("a.txt", "oauth: <gho>\n", "b.txt", "oauth: gho_{X:20}\n"),
    "SEC-005": ("a.txt", "app: <ghs>\n", "b.txt", "app: ghs_{X:12}\n"),
    "SEC-006": ("a.txt", "refresh = ghr_{X:76}\n", "b.txt", "refresh = ghr_{X:12}\n"),
    "SEC-007": ("a.txt", "github_pat_{X:22}_{X:59}\n", "b.txt", "github_pat_{X:22}\n"),
    "SEC-008": ("a.yml", "token: glpat-{W:20}\n", "b.yml", "token: glpat-{W:10}\n"),
    "SEC-009": ("a.yml", "runner: glrt-{W:24}\n", "b.yml", "runner: glrt-{W:8}\n"),
    "SEC-010": ("a.sh", "SLACK=xoxb-{D:12}-{D:12}-{X:24}\n", "b.sh", "SLACK=xoxz-{D:12}\n"),
    "SEC-011": ("a.sh", "curl https://hooks.slack.com/services/T{U:8}/B{U:10}/{X:24}\n", "b.sh",
                "see https://hooks.slack.com/services/\n"),
    "SEC-012": ("root/.ssh/id_rsa", PEM, "etc/ssl/certs/x.pem",
                "-----BEGIN CERTIFICATE-----\n{S:64}\n-----END CERTIFICATE-----\n"),
    "SEC-013": ("k.ppk", "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: k\nPublic-Lines: 1\n{S:60}\n"
                "Private-Lines: 2\n{S:64}\n{S:20}\n", "n.ppk", "PuTTY-User-Key-File-2: ssh-rsa\n"),
    "SEC-014": ("sa.json", '{"type": "service_account", "project_id": "p", "private_key_id": "{H:40}"}\n',
                "x.json", '{"type": "service_account", "private_key_id": "{H:12}"}\n'),
    "SEC-015": ("a.js", 'key: "AIza{W:35}"\n', "b.js", 'key: "AIza{W:20}"\n'),
    "SEC-016": ("a.py", 'stripe.api_key = "sk_live_{X:24}"\n', "b.py", 'k = "sk_live_{X:4}"\n'),
    "SEC-017": ("a.js", 'pk = "pk_live_{X:24}"\n', "b.js", 'pk = "pk_live_"\n'),
    "SEC-018": ("twilio.py", "TWILIO_KEY = 'SK{H:32}'\n", "other.py", "X = 'SK{H:32}'\n"),
    "SEC-019": ("a.env", "SENDGRID=SG.{W:22}.{W:43}\n", "b.env", "SENDGRID=SG.{W:10}\n"),
    "SEC-020": ("home/u/.npmrc", "//registry/:_authToken=<npm>\n", "b.txt", "npm_{X:12}\n"),
    "SEC-021": ("home/u/.pypirc", "[pypi]\npassword = pypi-AgEIcHlwaS5vcmc{W:60}\n", "b.txt", "pypi-AgEIcHlwaS5vcmc\n"),
    "SEC-022": ("a", "rubygems_{H:48}\n", "b", "rubygems_{H:8}\n"),
    "SEC-023": ("root/.docker/config.json", '{"auths": {"registry": {"auth": "{S:32}"}}}\n', "x.json",
                '{"auth": "{S:32}"}\n'),
    "SEC-024": ("a", "dckr_pat_{W:27}\n", "b", "dckr_pat_{W:5}\n"),
    "SEC-025": ("a", "Authorization: eyJ{W:20}.eyJ{W:40}.{W:43}\n", "b", "eyJ{W:5}\n"),
    "SEC-026": ("a", "OPENAI=sk-proj-{W:40}T3BlbkFJ{W:40}\n", "b", "OPENAI=sk-proj-{W:40}\n"),
    "SEC-027": ("a", "sk-ant-api03-{W:93}AA\n", "b", "sk-ant-api03-{W:10}\n"),
    "SEC-028": ("a", "HF_TOKEN=hf_{L:34}\n", "b", "HF_TOKEN=hf_{L:12}\n"),
    "SEC-029": ("a", "VAULT_TOKEN=hvs.{W:95}\n", "b", "VAULT_TOKEN=hvs.{W:9}\n"),
    "SEC-030": ("a", "{X:14}.atlasv1.{W:64}\n", "b", "atlasv1\n"),
    "SEC-031": ("a", 'secret = "{X:3}8Q~{W:31}"\n', "b", 'secret = "Q~"\n'),
    "SEC-032": ("a", "dop_v1_{H:64}\n", "b", "dop_v1_{H:10}\n"),
    "SEC-033": ("a", "shpat_{H:32}\n", "b", "shpat_{H:8}\n"),
    "SEC-034": ("a", "LTAI{X:20}\n", "b", "LTAI{X:8}\n"),
    "SEC-035": ("a", "dapi{H:32}\n", "b", "dapi{H:8}\n"),
    "SEC-036": ("a", "glsa_{X:32}_{H:8}\n", "b", "glsa_{X:8}\n"),
    "SEC-037": ("mailgun.py", "MAILGUN = 'key-{H:32}'\n", "mailgun2.py", "MAILGUN = 'key-{H:8}'\n"),
    "SEC-038": ("a.cfg", "MAILCHIMP_API_KEY={H:32}-us12\n", "b.cfg", "APIKEY={H:32}-us12\n"),
    "SEC-039": ("a", "sq0atp-{W:22}\n", "b", "sq0atp-{W:4}\n"),
    "SEC-040": ("a", "PMAK-{H:24}-{H:34}\n", "b", "PMAK-{H:4}\n"),
    "SEC-041": ("a", "pul-{H:40}\n", "b", "pul-{H:4}\n"),
    "SEC-042": ("a", "dp.pt.{X:43}\n", "b", "dp.pt.{X:4}\n"),
    "SEC-043": ("a", "NRAK-{U:27}\n", "b", "NRAK-{U:4}\n"),
    "SEC-044": ("a", "AGE-SECRET-KEY-1{Q:58}\n", "b", "AGE-SECRET-KEY-1{Q:8}\n"),
    "SEC-045": ("a", "HRKU-AA{W:58}\n", "b", "HRKU-AA{W:8}\n"),
    "SEC-046": ("a", "sntryu_{H:64}\n", "b", "sntryu_{H:8}\n"),
    "SEC-047": ("a", "AKCp{X:69}\n", "b", "AKCp{X:9}\n"),
    "SEC-048": ("a", "ops_eyJ{S:260}\n", "b", "ops_eyJ{S:20}\n"),
    "SEC-049": ("a", "sha256~{W:43}\n", "b", "sha256~{W:5}\n"),
    "SEC-050": ("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: {S:24}\n",
                "k8s/cm.yaml", "apiVersion: v1\nkind: ConfigMap\ndata:\n  password: {S:24}\n"),
    "SEC-051": ("build.sh", 'curl -H "Authorization: Bearer {W:32}" https://x.invalid/\n', "b.sh",
                'curl -H "Authorization: Bearer $TOKEN" https://x.invalid/\n'),
    "SEC-052": ("app.cfg", "DATABASE_URL=postgres://app:{X:16}@db.internal/app\n", "b.cfg",
                "DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal/app\n"),
    "SEC-053": ("home/u/.npmrc", "//registry/:_authToken={W:32}\n", "home/u/notnpmrc", "_authToken={W:32}\n"),
    "SEC-054": ("root/.pypirc", "[pypi]\nusername = u\npassword = {X:16}\n", "root/pypirc.txt",
                "[pypi]\npassword = {X:16}\n"),
    "SEC-055": ("root/.kube/config", "users:\n- name: admin\n  user:\n    client-key-data: {S:64}\n", "root/kube.txt",
                "client-key-data: {S:64}\n"),
    "SEC-056": ("a.cfg", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={S:86}==\n", "b.cfg",
                "AccountKey={S:20}==\n"),
    "SEC-057": ("root/.azure/accessTokens.json", '[{"accessToken": "eyJ{W:60}"}]\n', "root/.azure/other.json",
                '[{"accessToken": "eyJ{W:60}"}]\n'),
    "SEC-058": ("a", "lin_api_{X:40}\n", "b", "lin_api_{X:8}\n"),
    "SEC-059": ("a", "pscale_pw_{W:43}\n", "b", "pscale_pw_{W:4}\n"),
    "SEC-060": ("a", "sbp_{H:40}\n", "b", "sbp_{H:4}\n"),
    "SEC-061": ("a", "https://discord.com/api/webhooks/{D:18}/{W:68}\n", "b",
                "https://discord.com/api/webhooks/\n"),
    "SEC-062": ("telegram_bot.py", "TELEGRAM_TOKEN = '{D:10}:AA{W:33}'\n", "b.py", "X = '{D:10}:AA{W:33}'\n"),
    "SEC-063": ("a", "sk.eyJ{W:60}.{W:22}\n", "b", "sk.eyJ{W:5}\n"),
    "SEC-064": ("app/config.py", 'db_password = "{X:20}"\n', "app/other.py", 'db_password = "changeme"\n'),
    "SEC-065": ("app/.env", "API_TOKEN={X:20}\n", "app/settings.txt", "API_TOKEN={X:20}\n"),
}  # fmt: skip


def render(template: str, rng: random.Random) -> str:
    text = expand(template, rng)
    for prefix in ("ghp", "gho", "ghs", "npm"):
        text = text.replace(f"<{prefix}>", github_token(f"{prefix}_", rng))
    return text
