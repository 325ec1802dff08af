#!/usr/bin/env bash
# Installs what building, running and testing SpeechAI needs on Debian 12, and only what is
# missing (so it is quick and silent when everything is there). Run as root.
set -euo pipefail

PACKAGES=(libfcgi-dev libpq-dev postgresql-15 nginx-light wrk curl libcurl4-openssl-dev libxlsxwriter-dev
    zlib1g-dev spawn-fcgi pkg-config systemd chromium chromium-driver)
missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    if [ "$(id -u)" != 0 ]; then
        echo "deps: run as root (or install these packages yourself): ${missing[*]}" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# libfcgi before 2.4.2-2+deb12u1 has the ReadParams heap overflow (CVE-2025-23016).
fcgi_version="$(dpkg-query -W -f='${Version}' libfcgi-dev)"
if ! dpkg --compare-versions "$fcgi_version" ge "2.4.2-2+deb12u1"; then
    echo "deps: libfcgi-dev $fcgi_version lacks the CVE-2025-23016 fix; upgrading" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfcgi-dev libfcgi0ldbl >/dev/null
fi

# The end-to-end tests and benchmarks are driven from Python.
if ! python3 -c 'import pytest, requests, openapi_spec_validator' 2>/dev/null; then
    echo "deps: installing pytest, requests and openapi-spec-validator"
    python3 -m pip install -q pytest requests openapi-spec-validator 2>/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pytest python3-requests \
            python3-openapi-spec-validator >/dev/null; }
fi

# Tests/e2e/test_schemathesis.py checks the served OpenAPI document against the server with schemathesis
# (pinned: its checks and generators change between releases; Debian does not package it).
SCHEMATHESIS_VERSION=4.32.5
if [ "$(python3 -c 'import schemathesis; print(schemathesis.__version__)' 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ]; then
    echo "deps: installing schemathesis $SCHEMATHESIS_VERSION"
    python3 -m pip install -q "schemathesis==$SCHEMATHESIS_VERSION" 2>/dev/null ||
        { echo "deps: could not install schemathesis (the end-to-end tests need it)" >&2; exit 1; }
fi

# The API documentation (/docs, /redoc) loads Swagger UI and ReDoc from this machine, never from a
# CDN. Both builds come from one PyPI wheel, drf-spectacular-sidecar: it ships the upstream
# swagger-ui-dist and redoc.standalone.js as plain files (Debian packages neither in a version that
# reads OpenAPI 3.1). They are unpacked, with their licences, into API_DOCS_ASSETS, the directory
# that nginx/speechai-locations.conf serves at /docs/assets/ and /redoc/assets/ (production and
# `make run` alike). The wheel is pinned by version and SHA-256: a new version changes both lines.
API_DOCS_ASSETS=/usr/local/share/speechai/api-docs
API_DOCS_WHEEL=drf-spectacular-sidecar==2026.10.1
API_DOCS_SHA256=fe1d005d8ac9b5d0472f2fe5deeb2e7d6dcffaa24118044f22578b4b8c4b31f2
if [ "$(cat "$API_DOCS_ASSETS/VERSION" 2>/dev/null)" != "$API_DOCS_WHEEL" ]; then
    echo "deps: installing Swagger UI and ReDoc ($API_DOCS_WHEEL) into $API_DOCS_ASSETS"
    if [ "$(id -u)" != 0 ]; then
        echo "deps: run as root to write $API_DOCS_ASSETS" >&2
        exit 1
    fi
    download="$(mktemp -d)"
    python3 -m pip download -q --no-deps --only-binary=:all: -d "$download" "$API_DOCS_WHEEL"
    python3 - "$download" "$API_DOCS_ASSETS" "$API_DOCS_WHEEL" "$API_DOCS_SHA256" <<'PYTHON'
import hashlib, pathlib, shutil, sys, zipfile

download, target, wheel_name, expected = sys.argv[1:]
wheel = next(pathlib.Path(download).glob("*.whl"))
digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
if digest != expected:
    sys.exit(f"deps: {wheel.name} has SHA-256 {digest}, expected {expected}")
static = "drf_spectacular_sidecar/static/drf_spectacular_sidecar/"
# What public/docs/index.html and public/redoc/index.html load, and the licences (no source maps).
wanted = {
    "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui/swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui.css": "swagger-ui/swagger-ui.css",
    "swagger-ui-dist/favicon-32x32.png": "swagger-ui/favicon-32x32.png",
    "swagger-ui-dist/LICENSE": "swagger-ui/LICENSE",
    "swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt": "swagger-ui/swagger-ui-bundle.js.LICENSE.txt",
    "redoc/bundles/redoc.standalone.js": "redoc/redoc.standalone.js",
    "redoc/bundles/redoc.standalone.js.LICENSE.txt": "redoc/redoc.standalone.js.LICENSE.txt",
    "redoc/LICENSE": "redoc/LICENSE",
}
staging = pathlib.Path(target + ".new")
shutil.rmtree(staging, ignore_errors=True)
with zipfile.ZipFile(wheel) as archive:
    for source, destination in wanted.items():
        path = staging / destination
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(archive.read(static + source))
        path.chmod(0o644)
for directory in (staging, staging / "swagger-ui", staging / "redoc"):
    directory.chmod(0o755)
# The new directory replaces the old one only once it is complete.
(staging / "VERSION").write_text(wheel_name + "\n")
shutil.rmtree(target, ignore_errors=True)
staging.rename(target)
PYTHON
    rm -rf "$download"
fi

# The browser test of the API documentation drives Debian's Chromium through chromedriver.
if ! python3 -c 'import selenium' 2>/dev/null; then
    echo "deps: installing selenium"
    python3 -m pip install -q --root-user-action=ignore selenium
fi

# The benchmarks generate workbooks (xlsxwriter, xlwt) and read them with the reference reader
# (python-calamine); the test fixtures' generator uses openpyxl.
if ! python3 -c 'import python_calamine, xlsxwriter, xlwt, openpyxl' 2>/dev/null; then
    echo "deps: installing python-calamine, xlsxwriter, xlwt and openpyxl"
    python3 -m pip install -q python-calamine xlsxwriter xlwt openpyxl 2>/dev/null ||
        echo "deps: could not install the benchmark's Python packages (make bench needs them)" >&2
fi

command -v swift >/dev/null || { echo "deps: the Swift 6 toolchain is not on PATH" >&2; exit 1; }
