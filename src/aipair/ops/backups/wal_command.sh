#!/bin/sh
# The WAL archive and restore command of aipair (installed by aipair; edits are overwritten).
#
#   archive_command = '/bin/sh <this file> archive "%p" "%f" <archive dir>'
#   restore_command = '/bin/sh <this file> restore "%f" "%p" <archive dir>'
#
# Each segment is stored gzip-compressed as <name>.gz with its SHA-256 in <name>.gz.sha256, written
# under temporary names and renamed once durable, so a crash never leaves a half-written segment
# under its real name. Archiving a segment that is already there succeeds only when the content is
# identical (PostgreSQL may retry after a crash); anything else fails so the server keeps the
# segment and retries. A restore checks the checksum first: a damaged segment stops the recovery
# (exit status above 125) instead of being replayed.
set -u

archive() {
    src=$1 name=$2 dir=$3
    dest="$dir/$name.gz"
    if [ -f "$dest" ]; then
        if gzip -dc "$dest" 2>/dev/null | cmp -s - "$src"; then
            exit 0
        fi
        echo "aipair: $dest already exists with other content" >&2
        exit 1
    fi
    tmp="$dir/.$name.$$"
    trap 'rm -f "$tmp" "$tmp.sha256"' EXIT
    gzip -1 -c "$src" > "$tmp" || exit 1
    sum=$(sha256sum "$tmp" | cut -d' ' -f1) || exit 1
    printf '%s  %s\n' "$sum" "$name.gz" > "$tmp.sha256" || exit 1
    sync "$tmp" "$tmp.sha256" || exit 1
    mv "$tmp.sha256" "$dest.sha256" && mv "$tmp" "$dest" || exit 1
    sync "$dir" 2>/dev/null
    trap - EXIT
    exit 0
}

restore() {
    name=$1 dest=$2 dir=$3
    src="$dir/$name.gz"
    [ -f "$src" ] || exit 1
    expected=$(cut -d' ' -f1 "$src.sha256" 2>/dev/null)
    actual=$(sha256sum "$src" | cut -d' ' -f1)
    if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
        echo "aipair: $src does not match its SHA-256: refusing to replay it" >&2
        exit 200
    fi
    gzip -dc "$src" > "$dest" || exit 200
    exit 0
}

case "${1:-}" in
    archive) archive "$2" "$3" "$4" ;;
    restore) restore "$2" "$3" "$4" ;;
    *) echo "usage: $0 archive|restore ..." >&2; exit 2 ;;
esac
