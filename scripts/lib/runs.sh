# Shell functions the experiment scripts share; sourced, not run (`. "$root/scripts/lib/runs.sh"`).

# written_by SCRIPT WHAT FILE COMMAND…: runs COMMAND, which writes FILE, and sets `status` to its
# exit status when FILE was written. seqlab exits 1 both when it skipped items it could not use
# (each reported; the rest written all the same) and when it stopped on an error (a refused
# --resume, bad input: nothing written, an earlier FILE left as it was), so status 1 counts only if
# FILE is newer than a stamp touched just before COMMAND started. Otherwise says so (as SCRIPT,
# naming WHAT stopped) and exits: nothing an earlier run left is used in its place.
written_by() {
  local script="$1" what="$2" file="$3" stamp="$3.started"
  shift 3
  : > "$stamp"
  status=0
  "$@" || status=$?
  if [ "$status" != 0 ] && { [ "$status" != 1 ] || [ ! "$file" -nt "$stamp" ]; }; then
    rm -f "$stamp"
    echo "$script: $what stopped (status $status, its message above); nothing scored" >&2
    exit $(( status > 1 ? status : 1 ))
  fi
  rm -f "$stamp"
}

# train_for_scoring SCRIPT MODEL TRAIN-COMMAND…: `written_by` for a `seqlab train` that writes
# MODEL; sets `trained` to its status.
train_for_scoring() {
  local script="$1" model="$2"
  shift 2
  written_by "$script" train "$model" "$@"
  trained=$status
}

# in_folder DIR COMMAND…: runs COMMAND in DIR (a subshell), so that `written_by` can run it there.
in_folder() { (cd "$1" && shift && "$@"); }

# extract_unipen_contributors BIN UNIPEN OUT LIST C…: each held-out contributor C's words, the files
# of LIST (paths under UNIPEN) in a directory /C/, extracted alone with OUT/strokes.conf into
# OUT/test-C.ark and OUT/test-C.text (their keys are the ones the extract of all of LIST gives them),
# so that one decode of all the held-out words can be scored per contributor.
extract_unipen_contributors() {
  local bin="$1" unipen="$2" out="$3" list="$4" c
  shift 4
  for c in "$@"; do
    grep "/$c/" "$list" > "$out/test-$c.list"
    written_by "${0##*/}" "extract of $c's words" "$out/test-$c.ark" \
      in_folder "$unipen" xargs "$bin" extract strokes --config "$out/strokes.conf" --include-root include \
        --text-out "$out/test-$c.text" -o "$out/test-$c.ark" --quiet < "$out/test-$c.list"
  done
}

# mean_of_last_epochs BIN EPOCHDIR N OUTFILE: the model that stands for "the mean of the last N
# epochs" of a run made with `train --epoch-models EPOCHDIR`: OUTFILE, averaged from them
# (`seqlab average`), when there are two or more, else the last epoch's own model (which need not
# be the one the run kept). Sets epochs_model (its path) and epochs_span ("12–14", or "14").
mean_of_last_epochs() {
  local bin="$1" dir="$2" n="$3" outfile="$4"
  local last=("$dir"/epoch-*.safetensors)
  [ -e "${last[0]}" ] || { echo "mean_of_last_epochs: no epoch models in $dir" >&2; return 1; }
  last=("${last[@]: -$(( n < ${#last[@]} ? n : ${#last[@]} ))}")
  local first="${last[0]##*/epoch-}" final="${last[-1]##*/epoch-}"
  first=$((10#${first%.safetensors})); final=$((10#${final%.safetensors}))
  if [ ${#last[@]} -gt 1 ]; then
    "$bin" average "${last[@]}" -o "$outfile"
    epochs_model="$outfile"; epochs_span="$first–$final"
  else
    epochs_model="${last[0]}"; epochs_span="$final"
  fi
}

# score_unipen_contributors BIN RUN HYP C…: scores HYP (Kaldi text of all the held-out words) for
# each held-out contributor C whose words RUN/test-C.text lists, writing that part of HYP beside it
# (HYP's name with -C before .txt) and a line to stdout and RUN/results.txt.
score_unipen_contributors() {
  local bin="$1" run="$2" hyp="$3" c part
  shift 3
  for c in "$@"; do
    [ -s "$run/test-$c.text" ] || continue   # older runs lack them
    part="${hyp%.txt}-$c.txt"
    awk 'NR == FNR { keep[$1] = 1; next } $1 in keep' "$run/test-$c.text" "$hyp" > "$part"
    echo "  contributor $c ($(wc -l < "$run/test-$c.text") words): $("$bin" score --ref "$run/test-$c.text" --hyp "$part" --unit char | head -1)" | tee -a "$run/results.txt"
  done
}

# training_time T0 T1 LOG RESUMED: the phrase a result line gives for how long training took: the
# wall seconds of this train call, and for a run that went on from its checkpoint (RESUMED "yes")
# also the seconds of the training steps of every epoch LOG (`train --log`) records, the epochs
# before the stop included (the part of an epoch a stop cut short is not counted).
training_time() {
  local t0="$1" t1="$2" log="$3" resumed="$4"
  if [ "$resumed" = yes ] && [ -s "$log" ]; then
    awk -v wall=$((t1 - t0)) -v name="${log##*/}" -F'"seconds":' '
      /"epoch":/ && NF > 1 { split($2, v, /[,}]/); s += v[1]; n++ }
      END { printf "training %d s after going on from its checkpoint, %.0f s of training steps over the %d epochs of %s", wall, s, n, name }' "$log"
  else
    echo "training $((t1 - t0)) s"
  fi
}

# resume_if_unfinished BIN SCRIPT CKPT: sets `resume` to (--resume CKPT) when CKPT holds the
# checkpoint of a run that did not finish (stopped by Ctrl-C or a kill), which a new `seqlab train`
# refuses to write over, and says so on stderr (as SCRIPT); else to () — no checkpoint, or a finished
# run's, which a new run replaces. train checks that the resumed run has the same data and options.
resume_if_unfinished() {
  local bin="$1" script="$2" ckpt="$3"
  resume=()
  [ -e "$ckpt" ] || return 0
  if "$bin" inspect "$ckpt" 2>/dev/null | grep -q '^checkpoint: epoch '; then
    echo "$script: going on from the unfinished run in $ckpt (remove it to start afresh)" >&2
    resume=(--resume "$ckpt")
  fi
}
