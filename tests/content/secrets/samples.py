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


# Real-world shapes each format must handle, beyond its one sample: (rule id, path, text). The rule must
# report the value between « and » (``render_shape`` removes the marks).
SHAPES: list[tuple[str, str, str]] = [
    # generic assignments: names that end in a qualified key, pwd or pass, or carry a qualifier suffix
    ("SEC-064", "app/settings.py", 'SECRET_KEY = "«{X:50}»"\n'),
    ("SEC-064", "app/settings.py", "SIGNING_KEY = '«{X:32}»'\n"),
    ("SEC-064", "web/config/default.js", "module.exports = {\n  mysqlPwd: '«{X:16}»',\n};\n"),
    ("SEC-064", "web/config/production.js", 'export default {\n  signingKey: "«{X:24}»",\n};\n'),
    ("SEC-064", "infra/main.tf", 'resource "x" "y" {\n  encryption_key = "«{X:20}»"\n}\n'),
    ("SEC-064", "config/secrets.yml", "production:\n  secret_key_base: «{H:64}»\n"),
    ("SEC-064", "deploy/app.properties", "spring.datasource.password=«{X:16}»\n"),
    ("SEC-064", "deploy/db.conf", "DB_PASSWORD_PROD = '«{X:18}»'\n"),
    # unquoted values: YAML, compose and workflow env blocks, INI/setup.cfg, Dockerfile ENV/ARG, shell export
    ("SEC-064", "config/application-prod.yml", "app:\n  jwt_secret: «{X:32}»\n  port: 8080\n"),
    ("SEC-064", "config/application.yml", "crypto:\n  encryption_key: «{X:20}»  # rotated yearly\n"),
    ("SEC-064", "docker-compose.yml", "services:\n  app:\n    environment:\n      INTERNAL_API_KEY: «{X:32}»\n"),
    ("SEC-064", "docker-compose.yml", "services:\n  app:\n    environment:\n      - DB_PASSWORD=«{X:20}»\n"),
    ("SEC-064", ".github/workflows/ci.yml", "jobs:\n  test:\n    env:\n      SIGNING_KEY: «{X:32}»\n"),
    ("SEC-064", "setup.cfg", "[redis]\nredis_password = «{X:20}»\n"),
    ("SEC-064", "app.ini", "[ldap]\nldap_bind_password = «{X:16}»\n"),
    ("SEC-064", "Dockerfile", "FROM debian:12\nENV DB_PASSWORD=«{X:20}»\nRUN make\n"),
    ("SEC-064", "Dockerfile.worker", "FROM debian:12\nARG SESSION_SECRET=«{X:32}»\n"),
    ("SEC-064", "Dockerfile", "FROM debian:12\nENV DB_PASSWORD «{X:20}»\n"),
    ("SEC-064", "Dockerfile", "FROM debian:12\nENV APP_ENV=prod DB_PASSWORD=«{X:20}» LOG=info\n"),
    ("SEC-064", "scripts/release.sh", "#!/bin/sh\nexport MYSQL_PWD=«{X:16}»\nmysql -e 'select 1'\n"),
    ("SEC-064", "scripts/deploy.sh", '#!/bin/sh\nexport DB_PASS="«{X:16}»"\n'),
    ("SEC-064", "scripts/backup.sh", "mysqldump --user=app --password=«{X:16}» shop > dump.sql\n"),
    ("SEC-064", "docs/runbook.txt", "Run:\n\n    export INTERNAL_API_KEY=«{X:20}»\n"),
    # the name on the line above its value: Kubernetes and CloudFormation env lists, ECS task definitions
    ("SEC-064", "k8s/deployment.yaml",
     "        env:\n          - name: DB_PASSWORD\n            value: \"«{X:20}»\"\n          - name: LOG\n"),
    ("SEC-064", "k8s/deployment.yaml", "          - name: LDAP_BIND_PASSWORD\n            value: «{X:20}»\n"),
    ("SEC-064", "cfn/template.yaml",
     "          Environment:\n            - Name: DB_PASSWORD\n              Value: «{X:20}»\n"),
    ("SEC-064", "ecs/task.json", '{"environment": [{"name": "DB_PASSWORD", "value": "«{X:20}»"}]}\n'),
    # values holding $ and # (Django's get_random_secret_key alphabet, people's passwords)
    ("SEC-064", "docker-compose.yml", 'environment:\n  SECRET_KEY: "«{L:8}$%^&*(-_=+){L:10}#{D:6}»"\n'),
    ("SEC-064", "setup.cfg", "[django]\nsecret_key = «{L:6}$#{L:8}!@{D:6}(*{L:6}»\n"),
    ("SEC-064", "app.ini", "smtp_password = «summer!summer{D:4}»\n"),  # a person's password: low entropy
    ("SEC-064", "maven/settings.xml", "<server>\n  <id>repo</id>\n  <password>«{X:16}»</password>\n</server>\n"),
    # .env files: qualified key names, $ and # inside values, quotes, export
    ("SEC-065", "services/ledger/.env", "SIGNING_KEY=«{X:32}»\n"),
    ("SEC-065", "app/.env.production", "ENCRYPTION_KEY=«{X:16}»\n"),
    ("SEC-065", "app/.env", "RABBITMQ_PASSWORD=«{X:4}$${X:8}#{X:4}»\n"),
    ("SEC-065", "app/.env", 'SESSION_SECRET="«{X:12} {X:12}»"\n'),
    ("SEC-065", "app/.env", "export DB_PASSWORD=«{X:16}» # rotated monthly\n"),
    # a PEM written with \n escapes on one line: GCP service-account JSON
    ("SEC-012", "deploy/gcp/sa.json",
     '{\n  "type": "service_account",\n  "private_key": "«-----BEGIN PRIVATE KEY-----\\n{S:64}\\n{S:64}\\n{S:20}==\\n'
     '-----END PRIVATE KEY-----»\\n",\n  "client_email": "ci@p.iam.gserviceaccount.com"\n}\n'),
    # Kubernetes Secrets: any entry of the block, stringData, data before kind (kubectl get -o yaml), lists
    ("SEC-050", "k8s/secret.yaml",
     "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  username: YXBw\n  password: «{S:32}»\n"),
    ("SEC-050", "k8s/secret.yaml",
     "apiVersion: v1\ndata:\n  password: «{S:32}»\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\n"),
    ("SEC-050", "k8s/secret.yaml",
     "apiVersion: v1\nkind: Secret\nstringData:\n  # app settings\n  config.yaml: |\n    level: info\n"
     "  api-token: \"«{X:24}»\"\n"),
    ("SEC-050", "k8s/list.yaml",
     "apiVersion: v1\nitems:\n- apiVersion: v1\n  data:\n    token: «{S:40}»\n  kind: Secret\nkind: List\n"),
    ("SEC-050", "k8s/all.yaml",
     "apiVersion: v1\nkind: ConfigMap\ndata:\n  level: info\n---\napiVersion: v1\nkind: Secret\ndata:\n"
     "  password: «{S:32}»\n"),
    # AWS secret key in a Kubernetes env list
    ("SEC-002", "k8s/deployment.yaml", '          - name: AWS_SECRET_ACCESS_KEY\n            value: "«{S:40}»"\n'),
]  # fmt: skip


def render_shape(template: str, rng: random.Random) -> tuple[str, str]:
    """A ``SHAPES`` text and the secret value it holds."""
    text = render(template, rng)
    value = text[text.index("«") + 1 : text.index("»")]
    return text.replace("«", "").replace("»", ""), value


# Texts with no secret at all, though they look like one to a simpler scanner: (path, text).
DECOYS: list[tuple[str, str]] = [
    # placeholders and filler in fixed-prefix formats; vendors' documentation values
    ("a.env", "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"),
    ("app/settings.py", 'STRIPE_SECRET_KEY = "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"\n'),
    ("app/settings.py", 'STRIPE_SECRET_KEY = "sk_live_000000000000000000000000"\n'),
    ("app/settings.py", 'SLACK_WEBHOOK_URL = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"\n'),
    ("docs/auth.txt", "    export ID_TOKEN=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6"
                      "IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\n"),
    ("app/pay.py", 'stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"\n'),
    ("app/aws.ini", "aws_access_key_id = AKIAI44QH8DHBEXAMPLE\n"),
    # references and settings with credential-like names
    ("app/.env", "STRIPE_SECRET_KEY_FILE=/run/secrets/stripe_secret_key\nJWT_SECRET_SSM_PATH=/prod/app/jwt-secret\n"
                 "AUTH_TOKEN_URL=https://auth.internal/oauth/token\nAPI_KEY_HEADER=X-Api-Key\nTOKEN_TTL_SECONDS=3600\n"
                 "DB_PASSWORD=${DB_PASSWORD}\nREDIS_PASSWORD=$REDIS_PASSWORD\n"),
    ("app/settings.py", 'SECRET_KEY = os.environ["SECRET_KEY"]\nDB_PASSWORD = os.getenv("DB_PASSWORD", "")\n'),
    ("web/config.js", "module.exports = {\n  dbPassword: process.env.DB_PASSWORD,\n  apiKey: config.apiKey\n};\n"),
    ("infra/main.tf", "  password = var.db_password\n  master_password = data.aws_secretsmanager_secret_version.db"
                      ".secret_string\n"),
    ("config/app.yml", "app:\n  jwt_secret: ${JWT_SECRET}\n  password: !vault |\n    $ANSIBLE_VAULT;1.1;AES256\n"
                       "  password_file: /run/secrets/db_password\n  token_url: https://auth.internal/oauth/token\n"
                       "  api_key: '{{ .Values.apiKey }}'\n  secretName: app-tls-secret-name\n"),
    ("k8s/deployment.yaml", "          - name: DB_PASSWORD\n            valueFrom:\n              secretKeyRef:\n"
                            "                name: db-credentials-secret\n                key: password\n"),
    ("Dockerfile", "FROM debian:12\nARG NPM_TOKEN\nENV DB_PASSWORD_FILE=/run/secrets/db\n"),
    # test data
    ("tests/test_auth.py", 'FAKE_API_KEY = "test-api-key-123"\nJWT_SECRET = "not-a-real-secret"\n'),
    ("app/.env", "API_KEY=fake-api-key\nADMIN_PASSWORD=not-a-real-secret\nSESSION_SECRET=dummy-session-value\n"),
    ("app/settings.py", 'DB_PASSWORD = "your-password-here"\nAPI_TOKEN = "REPLACE_ME"\n'),
    # code: unquoted values are expressions; names that mention a credential without holding one
    ("app/module.py", "password = get_password(user)\nself.password = raw_password\ntoken.markup = 'autolink'\n"),
    ("app/crypto.py", "PRIVATE_KEY = 'private-key'\nSHARED_SECRET = 'shared-secret'\n"),
    ("usr/local/bin/tool", "#!/usr/bin/perl\nmy $pwd;\n$pwd=Cwd::getcwd();\n$openssl=\"$pwd/$openssl\";\n"),
    ("etc/postgresql/postgresql.conf", "#password_encryption = scram-sha-256\t# scram-sha-256 or md5\n"),
    ("app/licenses.json", '{"license_key": "389-exception", "spdx_license_key": "LicenseRef-x-3com"}\n'),
    ("docs/npmrc.txt", "//registry.example/:_authToken=MYTOKEN1\n"),
    ("etc/sudoers.d/app", "%app ALL=(ALL) NOPASSWD: /usr/bin/systemctl-restart-app\n"),
    # Kubernetes: a Secret whose only entry is short, then a ConfigMap: the match must not slide into it;
    # public certificates and placeholders inside a Secret
    ("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  username: YXBw\n---\n"
                        "apiVersion: v1\nkind: ConfigMap\ndata:\n  password_policy: bWluLWxlbmd0aD0xMg==\n"),
    ("k8s/tls.yaml", "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\ndata:\n"
                     "  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJJREFOQmdrcWhraUc5dzBCQVFFRkFBT0NB\n"
                     "  ca.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJJREFOQmdrcWhraUc5dzBCQVFFRkFBT0NB\n"
                     "  password: Y2hhbmdlbWU=\n  region: ZXUtd2VzdC0x\n"
                     "  bundle: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJJREFOQmdrcWhraUc5dzBCQVFFRkFBT0NBUTRB"
                     "TUlJQkNRS0NBUUJoZQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==\n"),
    # a public certificate with \n escapes in JSON is no private key
    ("app/ca.json", '{"ca": "-----BEGIN CERTIFICATE-----\\nMIIBIDANBgkqhkiG9w0BAQEFAAOCAQ4AMIIBCQKCAQBhe\\n'
                    '-----END CERTIFICATE-----\\n"}\n'),
]  # fmt: skip
