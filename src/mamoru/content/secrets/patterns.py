"""Secret formats: the distinguishing prefix or shape of each token, its keywords and its checksum.

Facts come from gitleaks' generated config and Trivy's built-in rules (see the team's standards
reference §6); the regular expressions are ours, bounded (no unbounded repetition next to another;
identifiers and values are matched possessively, so a failed match never re-splits them), each with a
named group ``secret`` for the value (``bare`` for an unquoted value of a generic assignment, which the
engine checks more strictly). A group repeated inside the expression yields every value it captured
(the ``regex`` module keeps them all): a Kubernetes Secret gives one value per ``data`` entry. An
optional ``name`` group holds the name the value is assigned to, judged by ``name_check``.
``keywords`` are lower-case literals of which at least one must occur in a file before the expression
runs (the Aho-Corasick pre-filter).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

from mamoru.content.secrets.names import (
    CREDENTIAL_KEYWORDS,
    holds_secret_data,
    is_credential_key,
    is_credential_name,
)
from mamoru.content.secrets.values import decoded_base64_text, looks_like_identifier, looks_like_placeholder
from mamoru.model.finding import Severity

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_START = r"(?<![A-Za-z0-9_])"  # not inside a longer word
_END = r"(?![A-Za-z0-9_])"

C, H, M, L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW


def crc32_base62_ok(token: str) -> bool:
    """GitHub and npm tokens end in 6 base62 characters: the CRC32 of the 30 random characters before them."""
    body = token.split("_", 1)[-1]
    if len(body) != 36:
        return False
    random_part, checksum = body[:30], body[30:]
    value = zlib.crc32(random_part.encode())
    digits = ""
    while value:
        value, rest = divmod(value, 62)
        digits = BASE62[rest] + digits
    return digits.rjust(6, "0") == checksum


@dataclass(frozen=True, slots=True)
class SecretPattern:
    """One secret format."""

    rule_id: str
    name: str
    keywords: tuple[str, ...]
    regex: str
    severity: Severity
    aliases: tuple[str, ...] = ()  # Trivy and gitleaks rule ids
    checksum: Callable[[str], bool] | None = None
    min_entropy: float = 0.0
    path_suffixes: tuple[str, ...] = ()  # only in files whose path ends like this (credential files)
    path_regex: str = ""  # only in files whose path matches (re.search)
    generic: bool = False  # keyword-and-entropy patterns: skipped for values a specific format already reported
    # where a match can lie around a keyword hit: it starts at most ``lead`` characters before the keyword
    # and ends at most ``span`` characters after it (the expression only runs in those windows)
    lead: int = 80
    span: int = 1200
    name_check: Callable[[str], bool] | None = None  # given the ``name`` group: may it hold a secret?
    reject: Callable[[str], bool] | None = None  # given a value: True when it is no secret after all
    # filler values (``ghp_xxxx…``, ``T00000000/B00000000``) are placeholders; formats whose values are
    # base64 of binary data (PEM bodies hold runs of ``A``) skip that check
    filler_check: bool = True
    description: str = ""  # what the rule reference says beyond "a <name> is stored in a file of the image"


# Generic assignments: NAME <op> VALUE where NAME is judged by ``names.is_credential_key``. The value is
# quoted (anything but blanks and the quote, ``$`` included: Django keys and human passwords hold it) or
# bare: shell/Dockerfile ``NAME=value`` up to a blank, YAML/INI ``name: value`` / ``name = value`` up to the
# end of the line or a `` #`` comment. Also a name on the line above its value (Kubernetes and CloudFormation
# env lists, ECS ``{"name": …, "value": …}``), Dockerfile ``ENV NAME value`` and XML ``<name>value</name>``.
_ID = r"[A-Za-z0-9_.-]{1,64}+"
_QUOTED = r"(?:\"(?P<secret>[^\"\s\\]{8,150}+)\"|'(?P<secret>[^'\s\\]{8,150}+)'|`(?P<secret>[^`\s\\]{8,150}+)`)"
_BARE = r"(?P<bare>[^\s\"'`,;]{8,150}+)"
_LINE_END = r"[ \t]*+(?:#[^\n]*+)?\r?$"
_GENERIC_ASSIGNMENT = (
    r"(?m)(?<![\w.-])(?:"
    rf"(?i:name)[\"']?[ \t]{{0,4}}[:=][ \t]{{0,4}}[\"']?(?P<name>{_ID})[\"']?[ \t]{{0,4}},?"
    rf"(?:[ \t]{{0,4}}|\r?\n[ \t]{{0,40}}(?:-[ \t]{{1,4}})?)[\"']?(?i:value)[\"']?[ \t]{{0,4}}[:=][ \t]{{0,4}}"
    rf"(?:{_QUOTED}|{_BARE}{_LINE_END})"
    rf"|ENV[ \t]{{1,8}}(?P<name>{_ID})[ \t]{{1,8}}{_BARE}{_LINE_END}"
    rf"|<(?P<name>{_ID})>(?P<secret>[^<\s]{{8,150}}+)</"
    rf"|(?P<name>{_ID})[\"'`]?\]?[ \t]{{0,4}}(?:(?::=|=>|\?=|\+=|=|:)[ \t]{{0,4}}{_QUOTED}"
    rf"|={_BARE}(?=[ \t;&|)]|\r?$)|(?::=|=|:)[ \t]{{0,4}}{_BARE}{_LINE_END}))"
)
# .env files (Compose, python-dotenv): NAME=value, a quoted value may hold blanks, an unquoted one ends at a
# blank (`` # comment``) and may hold ``#`` and ``$`` (``$$`` is Compose's escaped dollar)
_DOTENV = (
    r"(?m)^[ \t]{0,8}(?:export[ \t]+)?(?P<name>[A-Za-z0-9_.-]{1,80}+)[ \t]{0,4}=[ \t]{0,4}"
    r"(?:\"(?P<secret>[^\"\n]{4,256}+)\"|'(?P<secret>[^'\n]{4,256}+)'|(?P<secret>[^\s\"'#][^\s\"']{3,255}+))"
)
# a Kubernetes Secret: every entry of its data/stringData block (one value each), before or after
# ``kind: Secret`` but never across a ``---`` document separator
_K8S_ENTRY = r"[\"']?(?P<name>[\w.-]{1,253}+)[\"']?:[ \t]*+[\"']?(?P<secret>[^\s\"'#]{0,8192}+)[^\n]*+"
_K8S_KIND = r"[ \t]*+(?:-[ \t]+)?kind:[ \t]*+[\"']?Secret[\"']?[ \t]*+\r?$"
_K8S_SECRET = (
    rf"(?m)(?:^(?P<kind>{_K8S_KIND})\n(?:(?!---)[^\n]*+\n){{0,200}}?)?"
    rf"^(?P<dind>[ \t]*+)(?:data|stringData):[ \t]*+\r?\n(?:[ \t]*+(?:#[^\n]*+)?\r?\n){{0,50}}+"
    rf"(?P<ind>(?P=dind)[ \t]++){_K8S_ENTRY}"
    rf"(?:\r?\n(?:(?P=ind){_K8S_ENTRY}|(?P=ind)[ \t]++[^\n]*+|(?P=ind)#[^\n]*+|[ \t]*+(?=\r?\n))){{0,2000}}+"
    rf"(?(kind)|(?=(?:\n(?!---)[^\n]*+){{0,200}}?\n{_K8S_KIND}))"
)


def _k8s_no_secret(value: str) -> bool:
    """A Secret's entry that holds no secret: short, a placeholder, a setting (``eu-west-1``), or (decoded) a
    certificate or public key."""
    text = decoded_base64_text(value)
    if text is not None:
        if text.lstrip().startswith(("-----BEGIN CERTIFICATE", "-----BEGIN PUBLIC KEY", "ssh-")):
            return True
        value = text
    return len(value) < 8 or looks_like_placeholder(value) or looks_like_identifier(value)


PATTERNS: tuple[SecretPattern, ...] = (
    SecretPattern("SEC-001", "AWS access key ID",
                  ("akia", "asia", "abia", "acca", "a3t", "agpa", "aida", "aroa", "aipa", "anpa", "anva"),
                  r"(?<![A-Z0-9])(?P<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)"
                  r"[A-Z2-7]{16})(?![A-Z0-9])", C, ("aws-access-key-id", "aws-access-token")),
    SecretPattern("SEC-002", "AWS secret access key",
                  ("secret_access_key", "secretaccesskey", "aws_secret", "secret_key"),
                  r"(?i)(?:aws)?_?secret_?(?:access)?_?key[\"']?(?:\s{0,40}value[\"']?)?[\"'\s]{0,8}(?::=|=>|=|:)"
                  r"\s{0,8}[\"']?(?P<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])", C, ("aws-secret-access-key",),
                  min_entropy=3.5),
    SecretPattern("SEC-003", "GitHub personal access token", ("ghp_",),
                  _START + r"(?P<secret>ghp_[A-Za-z0-9]{36})" + _END, C, ("github-pat",), crc32_base62_ok),
    SecretPattern("SEC-004", "GitHub OAuth access token", ("gho_",),
                  _START + r"(?P<secret>gho_[A-Za-z0-9]{36})" + _END, C, ("github-oauth",), crc32_base62_ok),
    SecretPattern("SEC-005", "GitHub App token", ("ghu_", "ghs_"),
                  _START + r"(?P<secret>gh[us]_[A-Za-z0-9]{36})" + _END, C, ("github-app-token",), crc32_base62_ok),
    SecretPattern("SEC-006", "GitHub refresh token", ("ghr_",),
                  _START + r"(?P<secret>ghr_[A-Za-z0-9]{36,76})" + _END, C, ("github-refresh-token",)),
    SecretPattern("SEC-007", "GitHub fine-grained personal access token", ("github_pat_",),
                  _START + r"(?P<secret>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})" + _END, C,
                  ("github-fine-grained-pat",)),
    SecretPattern("SEC-008", "GitLab personal access token", ("glpat-",),
                  _START + r"(?P<secret>glpat-[A-Za-z0-9_-]{20,64}(?:\.[0-9a-z]{2}[0-9a-z]{7})?)" + _END, C,
                  ("gitlab-pat", "gitlab-pat-routable")),
    SecretPattern("SEC-009", "GitLab deploy, runner, CI job or other token",
                  ("gldt-", "glrt-", "glcbt-", "glptt-", "glft-", "glimt-", "glagent-", "gloas-", "glsoat-",
                   "gr1348941"),
                  _START + r"(?P<secret>(?:(?:gldt|glrt|glcbt|glft|glimt|glagent|gloas|glsoat)-[A-Za-z0-9_-]{20,64}"
                  r"|glptt-[0-9a-f]{40}|GR1348941[A-Za-z0-9_-]{20}))" + _END, H, ("gitlab-deploy-token",
                                                                                   "gitlab-runner-token")),
    SecretPattern("SEC-010", "Slack token", ("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxo-", "xoxs-", "xoxe-", "xapp-"),
                  _START + r"(?P<secret>(?:xox[bpaorse]|xoxe\.xox[bp])-[0-9A-Za-z-]{10,250}|xapp-\d-[A-Z0-9]{8,14}-"
                  r"\d{10,16}-[a-z0-9]{60,70})" + _END, H, ("slack-access-token", "slack-bot-token")),
    SecretPattern("SEC-011", "Slack webhook URL", ("hooks.slack.com",),
                  r"(?P<secret>https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56})", H,
                  ("slack-web-hook", "slack-webhook-url")),
    SecretPattern("SEC-012", "Private key", ("private key",),
                  r"(?P<secret>-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----"
                  r"[A-Za-z0-9+/=\s:,.()\\-]{32,32768}?-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----)", H,
                  ("private-key",), span=33_000, filler_check=False),
    SecretPattern("SEC-013", "PuTTY private key", ("putty-user-key-file",),
                  r"PuTTY-User-Key-File-[23]: [\w-]{1,40}\r?\nEncryption: [\w-]{1,40}\r?\n[\s\S]{0,4096}?"
                  r"Private-Lines: \d{1,3}\r?\n(?P<secret>[A-Za-z0-9+/=\r\n]{16,8192})", H, ("putty-private-key",),
                  span=14_000, filler_check=False),
    SecretPattern("SEC-014", "GCP service account key", ("service_account",),
                  r"\"private_key_id\"\s*:\s*\"(?P<secret>[a-f0-9]{40})\"", C, ("gcp-service-account",)),
    SecretPattern("SEC-015", "Google API key", ("aiza",),
                  _START + r"(?P<secret>AIza[0-9A-Za-z_-]{35})" + _END, H, ("gcp-api-key",)),
    SecretPattern("SEC-016", "Stripe secret or restricted key",
                  ("sk_live_", "sk_test_", "rk_live_", "rk_test_", "sk_prod_", "rk_prod_"),
                  _START + r"(?P<secret>[sr]k_(?:live|test|prod)_[0-9a-zA-Z]{10,99})" + _END, C,
                  ("stripe-secret-token", "stripe-access-token")),
    SecretPattern("SEC-017", "Stripe publishable key", ("pk_live_", "pk_test_"),
                  _START + r"(?P<secret>pk_(?:live|test)_[0-9a-zA-Z]{10,99})" + _END, L, ("stripe-publishable-token",)),
    SecretPattern("SEC-018", "Twilio API key", ("twilio",),
                  _START + r"(?P<secret>SK[0-9a-fA-F]{32})" + _END, H, ("twilio-api-key",)),
    SecretPattern("SEC-019", "SendGrid API key", ("sg.",),
                  _START + r"(?P<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})" + _END, C, ("sendgrid-api-token",)),
    SecretPattern("SEC-020", "npm access token", ("npm_",),
                  _START + r"(?P<secret>npm_[A-Za-z0-9]{36})" + _END, C, ("npm-access-token",), crc32_base62_ok),
    SecretPattern("SEC-021", "PyPI upload token", ("pypi-ageichlwas5vcmc",),
                  _START + r"(?P<secret>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000})" + _END, C, ("pypi-upload-token",)),
    SecretPattern("SEC-022", "RubyGems API key", ("rubygems_",),
                  _START + r"(?P<secret>rubygems_[a-f0-9]{48})" + _END, C, ("rubygems-api-token",)),
    SecretPattern("SEC-023", "Docker registry credentials", ("auths", ".dockercfg", ".dockerconfigjson"),
                  r"\"auth\"\s*:\s*\"(?P<secret>[A-Za-z0-9+/]{8,1024}={0,2})\"", H, ("dockerconfig-secret",)),
    SecretPattern("SEC-024", "Docker Hub personal access token", ("dckr_pat_",),
                  _START + r"(?P<secret>dckr_pat_[A-Za-z0-9_-]{27})" + _END, C, ("dockerhub-pat",)),
    SecretPattern("SEC-025", "JSON Web Token", ("eyj",),
                  _START + r"(?P<secret>ey[A-Za-z0-9_-]{15,4096}\.ey[A-Za-z0-9_-]{15,8192}\.[A-Za-z0-9_-]{20,2048})"
                  + _END, M, ("jwt-token", "jwt")),
    SecretPattern("SEC-026", "OpenAI API key", ("t3blbkfj",),
                  _START + r"(?P<secret>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ"
                  r"[A-Za-z0-9_-]{20,200})" + _END, C, ("openai-api-key",)),
    SecretPattern("SEC-027", "Anthropic API key", ("sk-ant-",),
                  _START + r"(?P<secret>sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{93}AA)" + _END, C,
                  ("anthropic-api-key", "anthropic-admin-api-key")),
    SecretPattern("SEC-028", "Hugging Face token", ("hf_", "api_org_"),
                  _START + r"(?P<secret>(?:hf_|api_org_)[A-Za-z]{34})" + _END, H,
                  ("hugging-face-access-token", "huggingface-access-token")),
    SecretPattern("SEC-029", "HashiCorp Vault token", ("hvs.", "hvb."),
                  _START + r"(?P<secret>hvs\.[A-Za-z0-9_-]{90,120}|hvb\.[A-Za-z0-9_-]{138,300})" + _END, C,
                  ("vault-service-token", "vault-batch-token")),
    SecretPattern("SEC-030", "Terraform Cloud API token", ("atlasv1",),
                  _START + r"(?P<secret>[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})" + _END, C,
                  ("hashicorp-tf-api-token",)),
    SecretPattern("SEC-031", "Azure AD client secret", ("q~",),
                  r"(?<![A-Za-z0-9_~.-])(?P<secret>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])", C,
                  ("azure-ad-client-secret",)),
    SecretPattern("SEC-032", "DigitalOcean token", ("dop_v1_", "doo_v1_", "dor_v1_"),
                  _START + r"(?P<secret>do[por]_v1_[a-f0-9]{64})" + _END, C, ("digitalocean-pat",)),
    SecretPattern("SEC-033", "Shopify token", ("shpat_", "shpca_", "shppa_", "shpss_"),
                  _START + r"(?P<secret>shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})" + _END, H, ("shopify-token",)),
    SecretPattern("SEC-034", "Alibaba Cloud AccessKey ID", ("ltai",),
                  _START + r"(?P<secret>LTAI[A-Za-z0-9]{20})" + _END, H, ("alibaba-access-key-id",)),
    SecretPattern("SEC-035", "Databricks API token", ("dapi",),
                  _START + r"(?P<secret>dapi[a-f0-9]{32}(?:-\d)?)" + _END, H, ("databricks-api-token",)),
    SecretPattern("SEC-036", "Grafana token", ("glc_", "glsa_", "eyjrijoi"),
                  _START + r"(?P<secret>glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}"
                  r"|eyJrIjoi[A-Za-z0-9]{70,400}={0,2})" + _END, H, ("grafana-api-token",)),
    SecretPattern("SEC-037", "Mailgun API key", ("mailgun",),
                  _START + r"(?P<secret>(?:pub)?key-[a-f0-9]{32})" + _END, H, ("mailgun-token",)),
    SecretPattern("SEC-038", "Mailchimp API key", ("mailchimp",),
                  _START + r"(?P<secret>[0-9a-f]{32}-us\d{1,2})" + _END, H, ("mailchimp-api-key",)),
    SecretPattern("SEC-039", "Square access token", ("sq0atp-", "sq0csp-"),
                  _START + r"(?P<secret>sq0atp-[0-9A-Za-z_-]{22}|sq0csp-[0-9A-Za-z_-]{43})" + _END, C,
                  ("square-access-token",)),
    SecretPattern("SEC-040", "Postman API key", ("pmak-",),
                  _START + r"(?P<secret>PMAK-[a-f0-9]{24}-[a-f0-9]{34})" + _END, H, ("postman-api-token",)),
    SecretPattern("SEC-041", "Pulumi access token", ("pul-",),
                  _START + r"(?P<secret>pul-[a-f0-9]{40})" + _END, H, ("pulumi-api-token",)),
    SecretPattern("SEC-042", "Doppler token", ("dp.pt.",),
                  _START + r"(?P<secret>dp\.pt\.[A-Za-z0-9]{43})" + _END, H, ("doppler-api-token",)),
    SecretPattern("SEC-043", "New Relic key", ("nrak-", "nrii-", "nrjs-"),
                  _START + r"(?P<secret>NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9_-]{32}|NRJS-[a-f0-9]{19})" + _END, H,
                  ("new-relic-user-api-key", "new-relic-insert-key")),
    SecretPattern("SEC-044", "age secret key", ("age-secret-key-1",),
                  _START + r"(?P<secret>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})" + _END, H,
                  ("age-secret-key",)),
    SecretPattern("SEC-045", "Heroku API key", ("hrku-aa",),
                  _START + r"(?P<secret>HRKU-AA[0-9A-Za-z_-]{58})" + _END, H, ("heroku-api-key", "heroku-api-key-v2")),
    SecretPattern("SEC-046", "Sentry token", ("sntryu_", "sntrys_"),
                  _START + r"(?P<secret>sntryu_[a-f0-9]{64}|sntrys_eyJpYXQiO[A-Za-z0-9+/=_-]{80,600})" + _END, H,
                  ("sentry-user-token", "sentry-org-token")),
    SecretPattern("SEC-047", "JFrog Artifactory key", ("akcp", "cmvmd"),
                  _START + r"(?P<secret>AKCp[A-Za-z0-9]{69}|cmVmd[A-Za-z0-9]{59})" + _END, H,
                  ("artifactory-api-key", "artifactory-reference-token")),
    SecretPattern("SEC-048", "1Password service account token", ("ops_eyj",),
                  _START + r"(?P<secret>ops_eyJ[A-Za-z0-9+/]{250,4000}={0,3})" + _END, C,
                  ("1password-service-account-token",)),
    SecretPattern("SEC-049", "OpenShift user token", ("sha256~",),
                  r"(?<![A-Za-z0-9_~])(?P<secret>sha256~[A-Za-z0-9_-]{43})" + _END, H, ("openshift-user-token",)),
    SecretPattern("SEC-050", "Kubernetes Secret manifest with data",
                  ("kind: secret", "kind: \"secret\"", "kind: 'secret'"), _K8S_SECRET, M, ("kubernetes-secret-yaml",),
                  name_check=holds_secret_data, reject=_k8s_no_secret, filler_check=False, lead=9_000, span=9_000,
                  description="A Kubernetes `Secret` manifest (`kind: Secret`, before or after its `data` or "
                  "`stringData`, never across a `---` document separator) holds values in the image: each entry of "
                  "the block is reported, except public material (`tls.crt`, `ca.crt`, `*-publickey`, a base64 "
                  "certificate or public key), user and host names, settings (`eu-west-1`) and placeholders (also "
                  "base64-encoded ones)."),
    SecretPattern("SEC-051", "Credentials in a curl command", ("curl",),
                  r"curl\b[^\n]{0,300}?(?:(?:-H|--header)\s*[\"']?Authorization:\s*(?:Bearer|Basic|token)\s+"
                  r"(?P<secret>[A-Za-z0-9._~+/=-]{8,512})|(?:-u|--user)\s+[\"']?[^:\s'\"]{1,64}:"
                  r"(?P<secret2>[^\s'\"$]{4,128}))", H, ("curl-auth-header", "curl-auth-user"), lead=10, span=1400),
    SecretPattern("SEC-052", "Password in a URL", ("://",),
                  r"\b[a-z][a-z0-9+.-]{1,20}://[^:/\s@\"'<>]{1,64}:(?P<secret>[^@/\s\"'<>$]{3,128})@[A-Za-z0-9.-]{1,253}",
                  H, ("url-password",), min_entropy=2.5, lead=120, span=420),
    SecretPattern("SEC-053", "npm registry auth token in .npmrc", ("_authtoken", "_auth"),
                  r"(?m)(?:_authToken|_auth|_password)\s*=\s*[\"']?(?P<secret>[^\s\"'$]{8,1024})", H,
                  ("npmrc-auth-token",), path_suffixes=(".npmrc",)),
    SecretPattern("SEC-054", "Password in a .pypirc", ("password",),
                  r"(?m)^\s*password\s*[:=]\s*(?P<secret>\S{4,256})", H, ("pypirc-password",),
                  path_suffixes=(".pypirc",)),
    SecretPattern("SEC-055", "Kubernetes client credentials in a kubeconfig",
                  ("client-key-data", "client-certificate-data", "token:"),
                  r"(?m)^\s*(?:client-key-data|token):\s*[\"']?(?P<secret>[A-Za-z0-9+/=._-]{20,8192})", H,
                  ("kubeconfig-credentials",), filler_check=False,
                  path_suffixes=("kubeconfig", ".kube/config", "admin.conf", "kubelet.conf")),
    SecretPattern("SEC-056", "Azure storage account key", ("accountkey=",),
                  r"(?i)AccountKey=(?P<secret>[A-Za-z0-9+/]{86}==)", C, ("azure-storage-account-key",)),
    SecretPattern("SEC-057", "Azure CLI access token cache", ("accesstoken",),
                  r"\"accessToken\"\s*:\s*\"(?P<secret>[A-Za-z0-9._-]{40,8192})\"", H, ("azure-cli-token",),
                  path_suffixes=("accessTokens.json", "msal_token_cache.json")),
    SecretPattern("SEC-058", "Linear API key", ("lin_api_",),
                  _START + r"(?P<secret>lin_api_[A-Za-z0-9]{40})" + _END, H, ("linear-api-key",)),
    SecretPattern("SEC-059", "PlanetScale token", ("pscale_",),
                  _START + r"(?P<secret>pscale_(?:pw|tkn|oauth)_[A-Za-z0-9_=.-]{32,64})" + _END, H,
                  ("planetscale-password", "planetscale-api-token")),
    SecretPattern("SEC-060", "Supabase access token", ("sbp_",),
                  _START + r"(?P<secret>sbp_[a-f0-9]{40})" + _END, H, ("supabase-access-token",)),
    SecretPattern("SEC-061", "Discord webhook URL", ("discord.com/api/webhooks", "discordapp.com/api/webhooks"),
                  r"(?P<secret>https://(?:discord|discordapp)\.com/api/webhooks/\d{17,20}/[A-Za-z0-9_-]{60,80})", H,
                  ("discord-webhook",)),
    SecretPattern("SEC-062", "Telegram bot token", ("telegram", "bot_token"),
                  _START + r"(?P<secret>\d{8,10}:AA[0-9A-Za-z_-]{33})" + _END, H, ("telegram-bot-api-token",)),
    SecretPattern("SEC-063", "Mapbox secret token", ("sk.eyj",),
                  _START + r"(?P<secret>sk\.eyJ[A-Za-z0-9_-]{20,200}\.[A-Za-z0-9_-]{20,100})" + _END, H,
                  ("mapbox-api-token",)),
    SecretPattern("SEC-064", "Generic secret assignment", CREDENTIAL_KEYWORDS, _GENERIC_ASSIGNMENT, M,
                  ("generic-api-key", "generic-password"), min_entropy=3.0, generic=True, name_check=is_credential_key,
                  lead=80, span=300,
                  description="A value of at least 8 characters assigned to a credential name (`DB_PASSWORD`, "
                  "`MYSQL_PWD`, `signingKey`, `SECRET_KEY_BASE`): quoted (`$` and `#` included), unquoted in "
                  "configuration (YAML, INI, properties, shell and Dockerfile `ENV`/`ARG`, never in source code, "
                  "where it is an expression), on the line below a `name:` (Kubernetes, CloudFormation and ECS env "
                  "lists) or in XML. Names that point at a secret (`*_FILE`, `*_PATH`, `*_URL`, `*_HEADER`, "
                  "`secretKeyRef`), placeholders and test data (`changeme`, `${VAR}`, `fake-…`, `not-a-real-…`, "
                  "`test-…`), expressions (`var.x`, `process.env.X`), low-entropy values and third-party trees "
                  "(`node_modules/`, `site-packages/`, `vendor/`, `/usr/lib`, `/usr/share`) are left out. A value "
                  "a specific format reports is not reported again."),
    SecretPattern("SEC-065", "Secret in an environment file", CREDENTIAL_KEYWORDS, _DOTENV, H, ("dotenv-secret",),
                  min_entropy=1.5, path_regex=r"(?:^|/)\.env(?:\.[\w-]+)?$", generic=True,
                  name_check=is_credential_name, lead=120, span=360,
                  description="A `NAME=value` line of a `.env` file (`.env`, `.env.production`) whose name says it "
                  "holds a credential (`API_TOKEN`, `SIGNING_KEY`, `RABBITMQ_PASSWORD`); unquoted values may hold "
                  "`$` and `#` and end at a blank. References and settings (`*_FILE=/run/secrets/…`, "
                  "`*_SSM_PATH`, `*_URL`, `*_HEADER`, `*_TTL_SECONDS`), `${VAR}` and test data are left out."),
)  # fmt: skip
