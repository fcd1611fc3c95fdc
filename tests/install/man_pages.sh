#!/bin/sh
# The installed man pages: man(1) finds ristra(1) and ristra-COMMAND(1) for
# every command under PREFIX/share/man, renders them without a warning,
# and each lists every option its command's --help lists (the pages are
# generated from --help; this checks nothing was lost on the way).
#
# usage: man_pages.sh CMAKE BUILD_DIR
set -eu
cmake=$1 build=$2
work=$build/install-tests/man
rm -rf "$work"
mkdir -p "$work"
"$cmake" --install "$build" --prefix "$work/prefix" > /dev/null
cli=$work/prefix/bin/ristra
export LC_ALL=C MANPATH="$work/prefix/share/man" MANWIDTH=100 MANPAGER=cat PAGER=cat
commands=$("$cli" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }' | grep -v -x -e version -e help)
test -n "$commands" || { echo "no commands in ristra --help"; exit 1; }
for page in ristra $(for c in $commands; do echo "ristra-$c"; done); do
    cmd=${page#ristra}; cmd=${cmd#-}
    man "$page" > "$work/$page.txt" 2> "$work/$page.err" || { echo "man $page failed"; cat "$work/$page.err"; exit 1; }
    man --warnings -l "$(man -w "$page")" > /dev/null 2> "$work/$page.warn"
    test ! -s "$work/$page.warn" || { echo "man $page warns:"; cat "$work/$page.warn"; exit 1; }
    grep -q "^NAME" "$work/$page.txt" && grep -q "^SYNOPSIS" "$work/$page.txt" ||
        { echo "man $page lacks NAME or SYNOPSIS"; exit 1; }
    # shellcheck disable=SC2086
    "$cli" $cmd --help > "$work/$page.help"
    tail -n 1 "$work/$page.help" | grep -q "man $page" || { echo "$page --help does not end with its man page"; exit 1; }
    for opt in $(grep -o -e '--[a-z][a-z-]*' "$work/$page.help" | sort -u); do
        grep -q -e "$opt" "$work/$page.txt" || { echo "man $page lacks $opt"; exit 1; }
    done
done
echo "man pages for:" $commands
