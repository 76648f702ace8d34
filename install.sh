#!/bin/sh
# Sets chefwrap up for you, as you, without root. In a checkout of chefwrap:
#
#     sh install.sh [--collector] [--no-pipx] [options of `chefwrap install`, such as --shell zsh]
#
# chefwrap goes into a virtual environment of its own: pipx's where pipx is on PATH, otherwise one in
# ${XDG_DATA_HOME:-~/.local/share}/chefwrap/venv made with python3 (or $CHEFWRAP_PYTHON), whose pip comes
# from the package index when that Python has no ensurepip (Debian's and Ubuntu's without python3-venv).
# Then `chefwrap install` writes the shims and the chefwrap command beside them, and sets up every shell
# you have. Nothing here needs root, passes --break-system-packages or changes the Python it starts from
# (PEP 668). docs/install.md says what it does on each kind of machine, and why.
#
#     --collector   chefwrap with the collector's libraries, for `chefwrap collector serve`
#     --no-pipx     a virtual environment of chefwrap's own even where pipx is on PATH

set -e

say() { printf '%s\n' "$*"; }
fail() {
    printf 'install.sh: %s\n' "$*" >&2
    exit 1
}

checkout=$(cd "$(dirname "$0")" && pwd -P)
[ -f "$checkout/pyproject.toml" ] && [ -f "$checkout/chefwrap/main.py" ] ||
    fail "run this file from a checkout of chefwrap: sh path/to/chefwrap/install.sh"
case ${HOME-} in
    /*) ;;
    *) fail "HOME is not an absolute path (${HOME-unset}): set it to your home folder" ;;
esac
# chefwrap is set up for the user who runs this, in their home and their shells: under sudo, that is root.
if [ -n "${SUDO_USER-}" ] && [ "$(id -u)" = 0 ]; then
    fail "run this as yourself, without sudo: it needs no root, and would set chefwrap up for root instead of $SUDO_USER"
fi

# Our own options out, the rest kept in order for `chefwrap install`.
extra= pipx=pipx
count=$#
while [ "$count" -gt 0 ]; do
    argument=$1
    shift
    count=$((count - 1))
    case $argument in
        --collector) extra="[collector]" ;;
        --no-pipx) pipx= ;;
        -h | --help)
            sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) set -- "$@" "$argument" ;;
    esac
done

python=${CHEFWRAP_PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 ||
    fail "no $python here: install Python 3.9 or newer (Debian and Ubuntu have python3; macOS: brew install python), or name one: CHEFWRAP_PYTHON=/path/to/python3 sh install.sh"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
    fail "chefwrap needs Python 3.9 or newer; $python is $("$python" -V 2>&1)"

if [ -n "$pipx" ] && command -v pipx >/dev/null 2>&1; then
    say "Installing chefwrap$extra with pipx, from $checkout."
    if [ -n "${CHEFWRAP_PYTHON-}" ]; then
        pipx install --force --python "$python" "$checkout$extra" || fail "pipx could not install chefwrap (see above); sh install.sh --no-pipx does without it"
    else
        pipx install --force "$checkout$extra" || fail "pipx could not install chefwrap (see above); sh install.sh --no-pipx does without it"
    fi
    folder=$(pipx environment --value PIPX_BIN_DIR 2>/dev/null) || folder=
    folder=${folder:-${PIPX_BIN_DIR:-$HOME/.local/bin}}
    case ":$PATH:" in
        *":$folder:"*) ;;
        *) say "$folder need not be on PATH: \`chefwrap install\` puts a chefwrap command beside the shims, which every shell it sets up puts first on PATH." ;;
    esac
    chefwrap=$folder/chefwrap
else
    data=${XDG_DATA_HOME-}
    case $data in
        /*) ;;
        *) data=$HOME/.local/share ;; # unset, or relative: the XDG specification ignores it
    esac
    venv=$data/chefwrap/venv
    if ! "$venv/bin/python" -c 'import pip' >/dev/null 2>&1; then
        say "Making a virtual environment for chefwrap: $venv"
        if ! { "$python" -c 'import ensurepip' >/dev/null 2>&1 && "$python" -m venv --clear "$venv"; }; then
            say "$python has no ensurepip (on Debian and Ubuntu it comes with python3-venv): pip comes from the package index instead."
            "$python" -m venv --clear --without-pip "$venv" || fail "$python could not make a virtual environment in $venv"
            "$venv/bin/python" "$checkout/tools/bootstrap_pip.py" || fail "could not put pip into $venv (see above)"
        fi
    fi
    say "Installing chefwrap$extra into it, from $checkout, with the libraries it needs from the package index."
    PIP_USER=0 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$checkout$extra" ||
        fail "pip could not install chefwrap into $venv (see above)"
    chefwrap=$venv/bin/chefwrap
fi

[ -x "$chefwrap" ] || fail "chefwrap was installed, but $chefwrap is not there"
say "Setting chefwrap up: chefwrap install $*"
exec "$chefwrap" install "$@"
