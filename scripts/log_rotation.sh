# shellcheck shell=bash
# Sourced by scripts/platform.sh and scripts/embedded_db.sh: logs are kept across restarts.
# rotate_log FILE: FILE -> FILE.1 -> FILE.2 ... up to LOG_KEEP (default 5) older logs; FILE is then absent,
# so the process started next writes a fresh one and the previous runs' logs stay readable.
rotate_log() {
  local file=$1 keep=${LOG_KEEP:-5} i
  [[ -e $file ]] || return 0
  for ((i = keep - 1; i >= 1; i--)); do
    [[ -e $file.$i ]] && mv -f "$file.$i" "$file.$((i + 1))"
  done
  mv -f "$file" "$file.1"
}
