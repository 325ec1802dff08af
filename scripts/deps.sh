#!/usr/bin/env bash
# Installs what building, running and testing SpeechAI needs on Debian 12, and only what is
# missing (so it is quick and silent when everything is there). Run as root.
set -euo pipefail

PACKAGES=(libfcgi-dev libpq-dev postgresql-15 nginx-light wrk curl libcurl4-openssl-dev libxlsxwriter-dev
    zlib1g-dev spawn-fcgi pkg-config systemd)
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

# The benchmarks generate workbooks (xlsxwriter, xlwt) and read them with the reference reader
# (python-calamine); the test fixtures' generator uses openpyxl.
if ! python3 -c 'import python_calamine, xlsxwriter, xlwt, openpyxl' 2>/dev/null; then
    echo "deps: installing python-calamine, xlsxwriter, xlwt and openpyxl"
    python3 -m pip install -q python-calamine xlsxwriter xlwt openpyxl 2>/dev/null ||
        echo "deps: could not install the benchmark's Python packages (make bench needs them)" >&2
fi

command -v swift >/dev/null || { echo "deps: the Swift 6 toolchain is not on PATH" >&2; exit 1; }
