"""The results file: a tab-separated table (the reference columns idx label predict radius correct
time, then pA_lower noise norm evaluations) with the settings that made it kept beside it in
``<file>.settings.json``. No torch here: analysis reads files without it.

A file is only ever resumed (appended to, its interrupted last line cut) when it is recognisably
ours: its first line is exactly HEADER and its settings equal the run's; anything else is refused,
untouched. Radii and pA_lower are written exactly (the shortest decimal that reads back as the same
float), never rounded up.
"""
import json
import os
import tempfile

COLUMNS = ["idx", "label", "predict", "radius", "correct", "time", "pA_lower", "noise", "norm", "evaluations"]
HEADER = "\t".join(COLUMNS)
# files of fastsmooth 0.1 (before adaptive certification): read, never resumed (their rows lack a column)
COLUMNS_V1 = COLUMNS[:-1]
SETTINGS_FORMAT = "fastsmooth-results-settings/1"
# settings that do not change any row: left out of the comparison on resume
NOT_COMPARED = ("format", "version", "device")


def settings_path(outfile):
    return os.fspath(outfile) + ".settings.json"


class ResultsFileError(ValueError):
    """A results file that cannot be resumed or read: not ours, other settings, or damaged rows."""


def _split_lines(text):
    """Complete lines (without their ending, CRLF or LF) and the unterminated remainder."""
    *complete, rest = text.split("\n")
    return [line[:-1] if line.endswith("\r") else line for line in complete], rest


def parse_rows(path, lines, first_line_number=2, columns=COLUMNS):
    """Rows of a results file as lists of fields; a malformed or duplicated row raises ResultsFileError."""
    rows, seen = [], {}
    for number, line in enumerate(lines, start=first_line_number):
        if not line:
            continue
        fields = line.split("\t")
        if len(fields) != len(columns):
            raise ResultsFileError(f"{path}, line {number}: a malformed row ({len(fields)} fields, expected "
                                   f"{len(columns)}): {line[:120]!r}; fix or delete that line")
        try:
            idx = int(fields[0])
            float(fields[3])
        except ValueError:
            raise ResultsFileError(f"{path}, line {number}: a malformed row (idx {fields[0]!r}, radius "
                                   f"{fields[3]!r}): {line[:120]!r}; fix or delete that line") from None
        if idx in seen:
            raise ResultsFileError(f"{path}: item {idx} appears twice (lines {seen[idx]} and {number}); a results "
                                   "file holds each item once: delete one of them")
        seen[idx] = number
        rows.append(fields)
    return rows


def _read_settings(path):
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == SETTINGS_FORMAT else None


def _write_settings(path, settings):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".settings-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(settings, fh, indent=1, sort_keys=True)
            fh.write("\n")
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _differences(stored, wanted):
    keys = sorted((set(stored) | set(wanted)) - set(NOT_COMPARED))
    return [f"{key}: file {stored.get(key)!r}, this run {wanted.get(key)!r}" for key in keys
            if stored.get(key) != wanted.get(key)]


def prepare_output(outfile, settings):
    """Open a results file for appending: (set of indices already done, line ending). A new file gets
    its settings and header; an existing one is checked first (header, settings, every row) and
    only then is its interrupted last line, if any, cut. Anything else is refused, untouched."""
    path = os.fspath(outfile)
    sidecar = settings_path(path)
    existing = os.path.exists(path) and os.path.getsize(path) > 0
    if existing:
        try:
            with open(path, encoding="utf-8", newline="") as fh:
                text = fh.read()
        except UnicodeDecodeError:
            raise ResultsFileError(f"{path} exists and is not a fastsmooth results file (not text); choose another "
                                   "output path") from None
        lines, rest = _split_lines(text)
        first = lines[0] if lines else rest
        # one unterminated line can be an interrupted header of ours (with its settings), else it is foreign
        ours = first == HEADER if lines else HEADER.startswith(rest) and _read_settings(sidecar) is not None
        if lines and first == "\t".join(COLUMNS_V1):
            raise ResultsFileError(f"{path} was written by an earlier fastsmooth (no evaluations column) and cannot be "
                                   "resumed by this one; read it with read_results, and certify into a new file")
        if not ours:
            raise ResultsFileError(f"{path} exists and is not a fastsmooth results file (first line {first[:80]!r}); "
                                   "choose another output path")
        existing = bool(lines)
    if not existing:
        if os.path.exists(sidecar) and _read_settings(sidecar) is None:
            raise ResultsFileError(f"{sidecar} exists and is not a fastsmooth settings file; move it or choose another "
                                   "output path")
        _write_settings(sidecar, settings)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(HEADER + "\n")
        return set(), "\n"
    stored = _read_settings(sidecar)
    if stored is None:
        raise ResultsFileError(f"{path} has no readable settings file {sidecar}, so its rows cannot be checked "
                               "against this run's settings; restore that file, or choose another output path")
    differences = _differences(stored, settings)
    if differences:
        raise ResultsFileError(f"{path} was made with other settings ({'; '.join(differences)}); resuming would mix "
                               "them. Rerun with the file's settings, or choose another output path")
    rows = parse_rows(path, lines[1:])
    ending = "\r\n" if text.split("\n", 1)[0].endswith("\r") else "\n"
    if rest:  # an interrupted write: checked to be ours above, so its partial last line may go
        with open(path, "r+b") as fh:
            fh.truncate(len(text.encode("utf-8")) - len(rest.encode("utf-8")))
    return {int(fields[0]) for fields in rows}, ending
