#!/usr/bin/env bash
# libFuzzer runs over the pure parsers: the JSON parser, the multipart/form-data parser, the CSV,
# .xlsx and .xls readers and the cell normalisers. Outside SwiftPM (whose executables need their own
# main, while libFuzzer brings one), with swiftc directly.
#
#   scripts/fuzz.sh [SECONDS]        build every harness, then run each for SECONDS (default 30)
#   FUZZ_HARNESSES="JSONParser CSVReader" scripts/fuzz.sh 60     only these
#   FUZZ_BUILD_ONLY=1 scripts/fuzz.sh                            build, do not run
#   FUZZ_JOBS=2 scripts/fuzz.sh 300                              harnesses run two at a time
#   FUZZ_MERGE=1 scripts/fuzz.sh 60       first cut each corpus down to the units that add coverage
#   FUZZ_VERBOSE=1                        say why a module is rebuilt
#
# Harnesses: Tests/Fuzz/<Harness>/Harness.swift, each defining LLVMFuzzerTestOneInput; their header
# comments say what input they take and which invariants they check besides "no crash".
# Hand-written seeds: Tests/Fuzz/<Harness>/seeds/; the spreadsheet harnesses are seeded with
# Tests/Fixtures (the .xlsx harness also with the parts of every .xlsx fixture, see its header).
#
# Everything goes under .build/fuzz/ (never touched by swift build):
#   modules/                our modules (and ZIPFoundation) compiled once, with the same flags
#   <Harness>/fuzzer        the harness binary
#   <Harness>/corpus/       the working corpus: the seeds, then whatever libFuzzer keeps; it grows
#                           from run to run (delete it to start over)
#   <Harness>/crashes/      crash-*, timeout-*, leak-*, oom-* artifacts
#   <Harness>/fuzz.log      libFuzzer's output of the last run
# Prints one line per harness and exits 1 when any harness left an artifact in this run.
# Reproduce one: .build/fuzz/<Harness>/fuzzer .build/fuzz/<Harness>/crashes/crash-…
# Minimise one:  .build/fuzz/<Harness>/fuzzer -minimize_crash=1 -runs=10000 -exact_artifact_path=min.bin crash-…
#
# Build flags: `-sanitize=fuzzer,address -O -assert-config Debug -g`. -O because the harnesses run
# about ten times faster than at -Onone (Multipart: 34,000 against 3,300 exec/s) and every module
# builds in seconds either way (the slowest, Spreadsheet and ZIPFoundation, in about 13 s; all of
# them and the six harnesses in about 50 s on 2 cores). `-assert-config Debug` keeps the debug
# preconditions that -O drops, above all the bounds check of UnsafeBufferPointer's subscript: the
# readers index such buffers everywhere, and without it an out-of-bounds read that stays inside the
# array's allocation would go unnoticed (ASan only sees reads outside the allocation). Overflow and
# Array bounds checks stay at -O anyway. -g gives file:line in the stacks. (At -Onone, -g with -wmo
# and -emit-object makes swift-driver 6.3 crash: "multiple producers for output …o".) ZIPFoundation
# is instrumented too, being what inflates.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SECONDS_PER_HARNESS="${1:-30}"
[[ "$SECONDS_PER_HARNESS" =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [seconds per harness]" >&2; exit 2; }
OUT="$ROOT/.build/fuzz"
MODULES="$OUT/modules"
ALL_HARNESSES=(JSONParser Multipart CSVReader XLSXReader XLSReader Normalisers)
read -r -a HARNESSES <<<"${FUZZ_HARNESSES:-${ALL_HARNESSES[*]}}"
JOBS="${FUZZ_JOBS:-1}"
for harness in "${HARNESSES[@]}"; do
    [[ " ${ALL_HARNESSES[*]} " == *" $harness "* ]] || { echo "fuzz: no harness $harness (${ALL_HARNESSES[*]})" >&2; exit 2; }
done

SWIFTC="${SWIFTC:-swiftc}"
command -v "$SWIFTC" >/dev/null || { echo "fuzz: swiftc is not on PATH" >&2; exit 1; }
SANITIZE=(-sanitize=fuzzer,address)
OPTIMIZE=(-O -assert-config Debug -g)
ZIP_SOURCES="$ROOT/.build/checkouts/ZIPFoundation/Sources"
if [ ! -d "$ZIP_SOURCES/ZIPFoundation" ]; then
    echo "fuzz: resolving packages for ZIPFoundation's source"
    swift package resolve >/dev/null
fi
# ZIPFoundation imports zlib through this module map on Linux.
INCLUDES=(-I "$MODULES" -I "$ZIP_SOURCES/CZLib")
# ld.gold warns about every ASan helper symbol; lld does not.
LINKER=()
if command -v ld.lld >/dev/null; then LINKER=(-use-ld=lld); fi

mkdir -p "$MODULES"

debug() { [ "${FUZZ_VERBOSE:-0}" = 1 ] && echo "fuzz: $*" >&2 || true; }

# Rebuilds $1 when a source is newer than it or the command line changed.
needs_build() {
    local output="$1" command_file="$2" command="$3"
    shift 3
    [ -f "$output" ] || return 0
    [ "$(cat "$command_file" 2>/dev/null)" = "$command" ] || { debug "$output: new command line"; return 0; }
    local source
    for source in "$@"; do [ "$source" -nt "$output" ] && { debug "$output: $source is newer"; return 0; }; done
    return 1
}

# compile WHAT OUTPUT COMMAND_FILE LOG INPUTS... -- COMMAND...: runs COMMAND when OUTPUT is older
# than an input or was made by another command line. Warnings (ZIPFoundation has many in Swift
# 6.3) are not what this script is for: the compiler's output is shown only when it fails.
compile() {
    local what="$1" output="$2" command_file="$3" log="$4"
    shift 4
    local inputs=()
    while [ "$1" != "--" ]; do inputs+=("$1"); shift; done
    shift
    needs_build "$output" "$command_file" "$*" "${inputs[@]}" || return 0
    local started=$SECONDS
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        echo "fuzz: building $what failed" >&2
        exit 1
    fi
    # swiftc leaves an object that came out the same untouched: touched here, so that what links
    # or imports it is not rebuilt at every run.
    touch "$output"
    echo "$*" >"$command_file"
    echo "fuzz: built $what in $((SECONDS - started)) s"
}

# build_module NAME [swiftc flags...] -- SOURCES...: one object and one .swiftmodule per module,
# rebuilt when one it imports was, too.
build_module() {
    local name="$1"
    shift
    local flags=()
    while [ "$1" != "--" ]; do flags+=("$1"); shift; done
    shift
    local object="$MODULES/$name.o"
    compile "module $name" "$object" "$MODULES/$name.command" "$MODULES/$name.log" "$@" "${MODULE_DEPS[@]}" -- \
        "$SWIFTC" "${SANITIZE[@]}" "${OPTIMIZE[@]}" -parse-as-library -wmo "${INCLUDES[@]}" "${flags[@]}" \
        -module-name "$name" -emit-module -emit-module-path "$MODULES/$name.swiftmodule" -emit-object -o "$object" "$@"
    MODULE_DEPS+=("$object")
}

# build_harness NAME MODULE...: the harness (with the row checks the spreadsheet harnesses share)
# and the modules it needs, linked into one fuzzer.
build_harness() {
    local harness="$1"
    shift
    local dir="$OUT/$harness"
    local sources=("$ROOT/Tests/Fuzz/$harness/Harness.swift")
    case "$harness" in CSVReader | XLSXReader | XLSReader) sources+=("$ROOT/Tests/Fuzz/SheetRows/SheetRowChecks.swift") ;; esac
    local objects=()
    local module
    for module in "$@"; do objects+=("$MODULES/$module.o"); done
    mkdir -p "$dir"
    compile "$harness" "$dir/fuzzer" "$dir/command" "$dir/build.log" "${sources[@]}" "${objects[@]}" -- \
        "$SWIFTC" "${SANITIZE[@]}" "${OPTIMIZE[@]}" -parse-as-library "${INCLUDES[@]}" "${LINKER[@]}" \
        -module-name "${harness}Fuzz" "${sources[@]}" "${objects[@]}" -o "$dir/fuzzer"
}

wants() {
    local harness
    for harness in "${HARNESSES[@]}"; do [ "$harness" = "$1" ] && return 0; done
    return 1
}

# ---- Build: the modules in dependency order (Package.swift), then every harness.

build_started=$SECONDS
MODULE_DEPS=()
needs_spreadsheet=0
for harness in CSVReader XLSXReader XLSReader Normalisers; do wants "$harness" && needs_spreadsheet=1; done
if wants JSONParser; then MODULE_DEPS=(); build_module JSON -swift-version 6 -- Sources/JSON/*.swift; fi
if wants Multipart; then MODULE_DEPS=(); build_module Multipart -swift-version 6 -- Sources/Multipart/*.swift; fi
if [ "$needs_spreadsheet" = 1 ]; then
    MODULE_DEPS=()
    build_module Time -swift-version 6 -- Sources/Time/*.swift
    # Swift 5 mode and _GNU_SOURCE, as ZIPFoundation's own Package.swift builds it.
    build_module ZIPFoundation -swift-version 5 -Xcc -D_GNU_SOURCE=1 -- "$ZIP_SOURCES"/ZIPFoundation/*.swift
    # -enable-testing: the spreadsheet harnesses call the readers themselves (@testable import), as
    # the unit tests do.
    build_module Spreadsheet -swift-version 6 -enable-testing -- Sources/Spreadsheet/*.swift
fi
if wants Normalisers; then
    # Ingestion imports Money too (Package.swift: Spreadsheet, Time, Money).
    build_module Money -swift-version 6 -- Sources/Money/*.swift
    build_module Ingestion -swift-version 6 -- Sources/Ingestion/*.swift Sources/Ingestion/*/*.swift
fi
wants JSONParser && build_harness JSONParser JSON
wants Multipart && build_harness Multipart Multipart
wants CSVReader && build_harness CSVReader Time ZIPFoundation Spreadsheet
wants XLSXReader && build_harness XLSXReader Time ZIPFoundation Spreadsheet
wants XLSReader && build_harness XLSReader Time ZIPFoundation Spreadsheet
wants Normalisers && build_harness Normalisers Time ZIPFoundation Spreadsheet Money Ingestion
echo "fuzz: build done in $((SECONDS - build_started)) s"
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

# ---- Seeds.

# copy_seeds HARNESS FILE...: into the corpus, named by content so that reruns add nothing twice.
copy_seeds() {
    local corpus="$OUT/$1/corpus"
    shift
    mkdir -p "$corpus"
    local file
    for file in "$@"; do
        [ -f "$file" ] || continue
        cp "$file" "$corpus/seed-$(sha1sum "$file" | cut -c1-16)"
    done
}

seed_corpora() {
    local harness
    for harness in "${HARNESSES[@]}"; do
        mkdir -p "$OUT/$harness/corpus" "$OUT/$harness/crashes"
        copy_seeds "$harness" "$ROOT/Tests/Fuzz/$harness/seeds"/*
    done
    local fixtures="$ROOT/Tests/Fixtures"
    wants CSVReader && copy_seeds CSVReader "$fixtures"/*/*.csv
    wants XLSReader && copy_seeds XLSReader "$fixtures"/*/*.xls
    if wants XLSXReader; then
        copy_seeds XLSXReader "$fixtures"/*/*.xlsx "$fixtures"/*/*.zip
        # The parts mode's seeds: every entry of every .xlsx fixture without a NUL byte (the XML
        # parts), as `name NUL content NUL ...`.
        python3 - "$OUT/XLSXReader/corpus" "$fixtures"/*/*.xlsx <<'PYTHON'
import hashlib, pathlib, sys, zipfile

corpus = pathlib.Path(sys.argv[1])
for path in sys.argv[2:]:
    try:
        with zipfile.ZipFile(path) as archive:
            pieces = []
            for info in archive.infolist():
                try:
                    content = archive.read(info)
                except Exception:
                    continue  # the damaged fixtures: their raw form is in the corpus already
                if b"\0" in content or b"\0" in info.filename.encode():
                    continue
                pieces += [info.filename.encode(), content]
    except Exception:
        continue
    if pieces:
        seed = b"\0".join(pieces)
        (corpus / ("parts-" + hashlib.sha1(seed).hexdigest()[:16])).write_bytes(seed)
PYTHON
    fi
}

# ---- Run.

max_len() {
    case "$1" in
        XLSXReader | XLSReader) echo 1048576 ;;
        CSVReader | Multipart) echo 262144 ;;
        JSONParser) echo 65536 ;;
        Normalisers) echo 1024 ;;
    esac
}

run_harness() {
    local harness="$1"
    local dir="$OUT/$harness"
    # Artifacts of earlier runs stay where they are; only this run's count.
    touch "$dir/run-started"
    local started=$SECONDS
    # The Swift runtime's own backtracer would get in the way of libFuzzer's crash handling.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
        "$dir/fuzzer" "$dir/corpus" -max_total_time="$SECONDS_PER_HARNESS" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$(max_len "$harness")" -artifact_prefix="$dir/crashes/" -print_final_stats=1 \
        >"$dir/fuzz.log" 2>&1 || true
    # The wall time, also when libFuzzer stopped early at a crash (it prints no "Done" line then).
    echo $((SECONDS - started)) >"$dir/run-seconds"
}

summarise() {
    local harness="$1"
    local dir="$OUT/$harness"
    local log="$dir/fuzz.log"
    local execs seconds rate cov ft corpus crashes last
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    # libFuzzer's status lines: "#12345  pulse  cov: 812 ft: 2301 corp: 190/24Kb exec/s: 4115 rss: 80Mb".
    last="$(grep -E '^#[0-9]+' "$log" | grep ' cov: ' | tail -1 || true)"
    cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
    ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
    seconds="$(cat "$dir/run-seconds" 2>/dev/null || echo "$SECONDS_PER_HARNESS")"
    execs="${execs:-0}"
    rate=$((seconds > 0 ? execs / seconds : execs))
    # The units libFuzzer holds ("corp: N/size"); the directory keeps every file ever written.
    corpus="$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")"
    [ -n "$corpus" ] || corpus="$(find "$dir/corpus" -type f | wc -l)"
    mapfile -t artifacts < <(find "$dir/crashes" -type f -newer "$dir/run-started" | sort)
    crashes="${#artifacts[@]}"
    echo "fuzz $harness: $execs execs in $seconds s ($rate exec/s), cov ${cov:-?}, ft ${ft:-?}, corpus $corpus, crashes $crashes"
    if [ "$crashes" -gt 0 ]; then
        printf '    %s\n' "${artifacts[@]}"
        grep -m1 -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|Fatal error|==[0-9]+==' "$log" | sed 's/^/    /' || true
        echo "    log: $log"
        return 1
    fi
    if [ -z "$last" ]; then
        echo "    libFuzzer printed no status line; see $log" >&2
        return 1
    fi
}

# FUZZ_MERGE=1: each corpus is first cut down to the units that add coverage (libFuzzer -merge=1),
# as the directories only ever grow.
merge_corpus() {
    local harness="$1"
    local dir="$OUT/$harness"
    rm -rf "$dir/corpus.merged"
    mkdir -p "$dir/corpus.merged"
    if SWIFT_BACKTRACE=enable=no "$dir/fuzzer" -merge=1 -max_len="$(max_len "$harness")" -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$dir/crashes/" "$dir/corpus.merged" "$dir/corpus" >"$dir/merge.log" 2>&1; then
        echo "fuzz: merged $harness corpus: $(find "$dir/corpus" -type f | wc -l) files -> $(find "$dir/corpus.merged" -type f | wc -l)"
        rm -rf "$dir/corpus"
        mv "$dir/corpus.merged" "$dir/corpus"
    else
        echo "fuzz: merging $harness's corpus failed (see $dir/merge.log); keeping it as it is" >&2
        rm -rf "$dir/corpus.merged"
    fi
}

seed_corpora
if [ "${FUZZ_MERGE:-0}" = 1 ]; then
    for harness in "${HARNESSES[@]}"; do merge_corpus "$harness"; done
fi
run_started=$SECONDS
if [ "$JOBS" -le 1 ]; then
    for harness in "${HARNESSES[@]}"; do run_harness "$harness"; done
else
    running=0
    for harness in "${HARNESSES[@]}"; do
        run_harness "$harness" &
        running=$((running + 1))
        if [ "$running" -ge "$JOBS" ]; then wait -n || true; running=$((running - 1)); fi
    done
    wait
fi
status=0
for harness in "${HARNESSES[@]}"; do summarise "$harness" || status=1; done
echo "fuzz: ran ${#HARNESSES[@]} harnesses for $SECONDS_PER_HARNESS s each in $((SECONDS - run_started)) s"
exit "$status"
