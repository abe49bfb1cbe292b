# Help and usage errors the scripts share; sourced before anything else, in bash or sh:
#   . "$(dirname "$0")/lib/usage.sh"; help_if_asked "$@"
# A script's help is its header: the comment lines after the #! line, up to its first line of code,
# which say what it does and how to call it (one line starting "Usage:").
#   help_if_asked "$@"       -h or --help first: print the header on stdout and exit 0, doing nothing else
#   usage_error [MESSAGE]    MESSAGE (if given) and the header's Usage line (with its continuation
#                            lines) on stderr, exit 2
#   outdir_first "$@"        the first argument must be the output folder, neither missing nor an option
#   option_value OPTION "${2-}"        OPTION must be followed by a value (not empty, not an option)
#   option_number OPTION "${2-}" [MIN] OPTION must be followed by a whole number, MIN (default 0) or more

usage_script="$(cd "$(dirname "$0")" && pwd)/${0##*/}"

script_header() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$usage_script"; }

help_if_asked() {
  case "${1:-}" in -h|--help) script_header; exit 0 ;; esac
}

usage_error() {
  if [ $# -gt 0 ]; then echo "${0##*/}: $1" >&2; fi
  # the Usage line and the lines that continue it (indented past "Usage:")
  script_header | awk '/^Usage: /{sub(/^Usage: /, "usage: "); print; u=1; next}
                       u && /^        /{print; next} {u=0}' | head -n 4 >&2
  exit 2
}

outdir_first() {
  case "${1:-}" in
    "") usage_error "needs the output folder (OUTDIR) first" ;;
    -*) usage_error "the first argument is the output folder, not an option: $1" ;;
  esac
}

option_value() {
  case "${2:-}" in
    "") usage_error "$1 needs a value" ;;
    -*) usage_error "$1 needs a value, not the option $2" ;;
  esac
}

option_number() {
  [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$((10#$2))" -ge "${3:-0}" ] \
    || usage_error "$1 needs a whole number${3:+ of $3 or more}${2:+, not '$2'}"
}
