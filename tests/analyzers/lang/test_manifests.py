"""Cargo.lock, Gemfile.lock and gemspecs, Composer and .NET files (small inputs in the real formats)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mamoru.scan.pipeline import ScanOptions, scan_filesystem

pytestmark = pytest.mark.usefixtures("cache_dir")

CARGO_LOCK = """\
version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["serde"]

[[package]]
name = "serde"
version = "1.0.188"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "cf9e0fcba69a370eed61bcf2b728575f726b50b55cba78064753d708ddc7549e"
"""
GEMFILE_LOCK = """\
GEM
  remote: https://rubygems.org/
  specs:
    actionpack (7.0.4)
      rack (~> 2.0, >= 2.2.0)
    nokogiri (1.15.4-x86_64-linux)
    rack (2.2.8)

PLATFORMS
  x86_64-linux

DEPENDENCIES
  actionpack

BUNDLED WITH
   2.4.19
"""
GEMSPEC = """\
# -*- encoding: utf-8 -*-
# stub: puma 6.4.0 ruby lib
# stub: ext/puma_http11/extconf.rb

Gem::Specification.new do |s|
  s.name = "puma".freeze
  s.version = "6.4.0"
  s.licenses = ["BSD-3-Clause".freeze]
end
"""
COMPOSER_LOCK = {"packages": [{"name": "monolog/monolog", "version": "v2.9.1", "license": ["MIT"]}],
                 "packages-dev": [{"name": "phpunit/phpunit", "version": "9.6.13"}]}  # fmt: skip
INSTALLED_V2 = {"packages": [{"name": "symfony/console", "version": "v5.4.28", "version_normalized": "5.4.28.0"}]}
DEPS_JSON = {
    "runtimeTarget": {"name": ".NETCoreApp,Version=v6.0"},
    "libraries": {
        "WebApp/1.0.0": {"type": "project", "serviceable": False},
        "Newtonsoft.Json/13.0.1": {"type": "package", "serviceable": True, "sha512": "sha512-x"},
    },
}
PACKAGES_LOCK = {
    "version": 1,
    "dependencies": {
        "net6.0": {
            "Serilog": {"type": "Direct", "requested": "[2.12.0, )", "resolved": "2.12.0"},
            "Lib": {"type": "Project"},
        }
    },
}


def test_other_ecosystems(tmp_path: Path) -> None:
    files = {
        "src/Cargo.lock": CARGO_LOCK,
        "app/Gemfile.lock": GEMFILE_LOCK,
        "usr/local/bundle/specifications/puma-6.4.0.gemspec": GEMSPEC,
        "var/www/composer.lock": json.dumps(COMPOSER_LOCK),
        "var/www/vendor/composer/installed.json": json.dumps(INSTALLED_V2),
        "app/WebApp.deps.json": json.dumps(DEPS_JSON),
        "src/web/packages.lock.json": json.dumps(PACKAGES_LOCK),
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert {(p.kind.value, p.name, p.version, p.declared, p.purl) for p in inventory.packages} == {
        ("cargo", "serde", "1.0.188", True, "pkg:cargo/serde@1.0.188"),
        ("gem", "actionpack", "7.0.4", True, "pkg:gem/actionpack@7.0.4"),
        ("gem", "nokogiri", "1.15.4", True, "pkg:gem/nokogiri@1.15.4"),
        ("gem", "rack", "2.2.8", True, "pkg:gem/rack@2.2.8"),
        ("gem", "puma", "6.4.0", False, "pkg:gem/puma@6.4.0"),
        ("composer", "monolog/monolog", "2.9.1", True, "pkg:composer/monolog/monolog@2.9.1"),
        ("composer", "phpunit/phpunit", "9.6.13", True, "pkg:composer/phpunit/phpunit@9.6.13"),
        ("composer", "symfony/console", "5.4.28", False, "pkg:composer/symfony/console@5.4.28"),
        ("nuget", "Newtonsoft.Json", "13.0.1", False, "pkg:nuget/Newtonsoft.Json@13.0.1"),
        ("nuget", "Serilog", "2.12.0", True, "pkg:nuget/Serilog@2.12.0"),
    }
    puma = next(p for p in inventory.packages if p.name == "puma")
    assert puma.licenses == ("BSD-3-Clause",)
    assert not inventory.notes
