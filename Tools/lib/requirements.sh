# Installs what building and testing Kooplog needs, when it is missing (Debian; needs root or sudo).
ensure_requirements() {
    local missing=()
    pkg-config --exists lmdb 2>/dev/null || missing+=(liblmdb-dev)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing ${missing[*]}"
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    if ! python3 -c 'import lmdb' 2>/dev/null; then
        echo "== installing the lmdb binding for Python (independent verifier)"
        python3 -m pip install -q lmdb 2>/dev/null || python3 -m pip install -q --break-system-packages lmdb || echo "warning: could not install python lmdb; the independent verifier tests will be skipped"
    fi
    if ! python3 -c 'import jsonschema' 2>/dev/null; then
        echo "== installing jsonschema for Python (the schema tests)"
        python3 -m pip install -q jsonschema 2>/dev/null || python3 -m pip install -q --break-system-packages jsonschema || echo "warning: could not install python jsonschema; the schema test will be skipped"
    fi
    if ! command -v swift >/dev/null 2>&1; then
        echo "error: swift is not on PATH; install the Swift 6 toolchain (https://swift.org/install)" >&2
        exit 74
    fi
}
