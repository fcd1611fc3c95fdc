"""The nightly batch keeps its promises (issue 11), tried from the command
line as an operator or a scheduler would: real signals sent to a running
`ristra score`, standard input and output, special files and links at
output paths, the failure threshold, the run manifest and `ristra verify`,
and hostile text."""
import gzip
import json
import os
import signal
import stat
import subprocess

import pytest

from conftest import CLI, SOURCE, run

MODEL = SOURCE / "models" / "demo_logistic.json"


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    path = tmp_path_factory.mktemp("pop") / "population.csv"
    run("synth", "--patients", 200000, "--practices", 20, "--seed", 11, "--output", path,
        check=True)
    return path


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if ".tmp." in p.name or ".old." in p.name)


def yesterday(directory):
    files = {n: directory / n for n in ("out.csv", "rej.csv", "sum.csv", "out.csv.manifest.json")}
    for name, path in files.items():
        path.write_text(f"yesterday's {name}\n")
    return files


def assert_yesterday(files):
    for name, path in files.items():
        assert path.read_text() == f"yesterday's {name}\n", name


def start_score(tmp_path, *extra):
    """`ristra score --input -` fed through a pipe we hold: it is mid-run for
    as long as we keep the pipe open."""
    return subprocess.Popen(
        [CLI, "score", "--model", MODEL, "--input", "-", "--output", tmp_path / "out.csv",
         "--rejects", tmp_path / "rej.csv", "--summary", tmp_path / "sum.csv", *extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def feed_until_running(proc, tmp_path, data):
    """Writes the first half of the file, then waits (on a condition, not a
    clock) until the run has its temporary files open."""
    proc.stdin.write(data[: len(data) // 2])
    proc.stdin.flush()
    while len(leftovers(tmp_path)) < 3:
        assert proc.poll() is None, proc.stderr.read()
        os.sched_yield()


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143),
                                      (signal.SIGHUP, 129)])
def test_a_signal_mid_run_removes_the_temporaries_and_keeps_yesterdays_files(
        population, tmp_path, sig, code):
    files = yesterday(tmp_path)
    data = population.read_bytes()
    proc = start_score(tmp_path)
    feed_until_running(proc, tmp_path, data)
    proc.send_signal(sig)
    try:   # the run goes on to its next progress call, and stops there
        proc.stdin.write(data[len(data) // 2:])
        proc.stdin.close()
    except BrokenPipeError:
        pass   # it stopped before reading everything
    _, err = proc.communicate()
    assert proc.returncode == code, err
    assert b"stopped by " + signal.Signals(sig).name.encode() in err
    assert leftovers(tmp_path) == []
    assert_yesterday(files)


def test_a_second_signal_exits_at_once(population, tmp_path):
    data = population.read_bytes()
    proc = start_score(tmp_path)
    feed_until_running(proc, tmp_path, data)
    proc.send_signal(signal.SIGTERM)
    # Signals of one kind do not queue: wait until the first has been taken.
    assert b"signal again to exit at once" in proc.stderr.readline() + proc.stderr.readline()
    proc.send_signal(signal.SIGTERM)   # blocked reading the pipe: only the second can stop it
    assert proc.wait() == 143
    proc.stdin.close()
    proc.stdout.close(), proc.stderr.close()
    for name in leftovers(tmp_path):   # documented: an immediate exit cannot clean up
        (tmp_path / name).unlink()


def test_a_finished_run_is_not_undone_by_a_late_signal(population, tmp_path):
    p = subprocess.run([CLI, "score", "--model", MODEL, "--input", population, "--output",
                        tmp_path / "out.csv", "--quiet"], capture_output=True)
    assert p.returncode == 0
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------- streams

def test_standard_input_plain_or_gzip_and_standard_output(population, tmp_path):
    small = tmp_path / "small.csv"
    small.write_bytes(b"".join(population.read_bytes().splitlines(True)[:3001]))
    want = tmp_path / "want.csv"
    run("score", "--model", MODEL, "--input", small, "--output", want, "--quiet", check=True)
    for data in (small.read_bytes(), gzip.compress(small.read_bytes())):
        p = subprocess.run([CLI, "score", "--model", MODEL, "--input", "-", "--output", "-",
                            "--quiet"], input=data, capture_output=True)
        assert p.returncode == 0, p.stderr
        assert p.stdout == want.read_bytes()   # uncompressed, and no manifest for a stream
    assert sorted(x.name for x in tmp_path.iterdir()) == ["small.csv", "want.csv",
                                                          "want.csv.manifest.json"]
    m = json.loads((tmp_path / "want.csv.manifest.json").read_text())
    import hashlib
    assert m["input"]["sha256"] == hashlib.sha256(small.read_bytes()).hexdigest()


def test_two_outputs_cannot_both_be_standard_output(population, tmp_path):
    p = run("score", "--model", MODEL, "--input", population, "--output", "-",
            "--rejects", "-")
    assert p.returncode == 2 and "only one output may be -" in p.stderr


# ---------------------------------------------------------------- special files

def refused(population, tmp_path, option, path, words):
    files = yesterday(tmp_path)
    args = {"--output": tmp_path / "out.csv", "--rejects": tmp_path / "rej.csv",
            "--summary": tmp_path / "sum.csv"}
    args[option] = path
    p = run("score", "--model", MODEL, "--input", population,
            *[x for kv in args.items() for x in kv])
    assert p.returncode == 2, p.stderr
    assert str(path) in p.stderr and words in p.stderr, p.stderr
    assert_yesterday(files)
    assert leftovers(tmp_path) == []


def test_a_directory_at_the_rejects_path_changes_nothing(population, tmp_path):
    (tmp_path / "rejdir").mkdir()
    refused(population, tmp_path, "--rejects", tmp_path / "rejdir", "is a directory")


def test_device_nodes_fifos_and_links_are_refused(population, tmp_path):
    refused(population, tmp_path, "--rejects", "/dev/null", "is a character device")
    os.mkfifo(tmp_path / "fifo")
    refused(population, tmp_path, "--summary", tmp_path / "fifo", "FIFO")
    (tmp_path / "to_stdout").symlink_to("/proc/self/fd/1")
    refused(population, tmp_path, "--output", tmp_path / "to_stdout", "symbolic link")
    (tmp_path / "to_input").symlink_to(population)
    refused(population, tmp_path, "--output", tmp_path / "to_input", "symbolic link")


def test_outputs_are_private_unless_a_mode_is_given(population, tmp_path):
    mask = os.umask(0o022)
    try:
        run("score", "--model", MODEL, "--input", population, "--output", tmp_path / "a.csv",
            "--quiet", check=True)
        assert stat.S_IMODE((tmp_path / "a.csv").stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "a.csv.manifest.json").stat().st_mode) == 0o600
        run("score", "--model", MODEL, "--input", population, "--output", tmp_path / "b.csv",
            "--mode", "0664", "--quiet", check=True)
        assert stat.S_IMODE((tmp_path / "b.csv").stat().st_mode) == 0o644   # umask narrows
        # every output of a run, the audit and the manifest too, gets the mode
        names = ("g.csv", "g_rej.csv", "g_sum.csv", "g_audit.csv", "g.csv.manifest.json")
        run("score", "--model", MODEL, "--input", population, "--output", tmp_path / names[0],
            "--rejects", tmp_path / names[1], "--summary", tmp_path / names[2],
            "--audit", tmp_path / names[3], "--mode", "0640", "--quiet", check=True)
        assert {n: stat.S_IMODE((tmp_path / n).stat().st_mode) for n in names} == \
            {n: 0o640 for n in names}
        assert run("score", "--model", MODEL, "--input", population, "--output",
                   tmp_path / "c.csv", "--mode", "rw").returncode == 2
    finally:
        os.umask(mask)


# ---------------------------------------------------------------- threshold

def test_a_broken_extract_fails_with_its_own_code_and_writes_nothing(population, tmp_path):
    lines = population.read_text().splitlines()[:1001]
    broken = [lines[0]] + ["0" + line[1:] for line in lines[1:]]   # every NHS number wrong
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(broken) + "\n")
    files = yesterday(tmp_path)
    p = run("score", "--model", MODEL, "--input", bad, "--output", files["out.csv"],
            "--rejects", files["rej.csv"], "--summary", files["sum.csv"])
    assert p.returncode == 3, p.stderr
    assert "1000 of 1000 rows rejected" in p.stderr and "invalid NHS number" in p.stderr
    assert_yesterday(files)
    p = run("score", "--model", MODEL, "--input", bad, "--output", files["out.csv"],
            "--max-reject-rate", "1", "--min-scored", "0", "--quiet")
    assert p.returncode == 0, p.stderr


# ---------------------------------------------------------------- manifest

def test_the_manifest_records_the_run_and_verify_finds_changes(population, tmp_path):
    out, rej, summ = tmp_path / "out.csv.gz", tmp_path / "rej.csv", tmp_path / "sum.csv"
    model = tmp_path / "model.json"          # a copy, reached through a link
    model.write_bytes(MODEL.read_bytes())
    (tmp_path / "current.json").symlink_to(model)
    run("score", "--model", tmp_path / "current.json", "--input", population, "--output", out,
        "--rejects", rej, "--summary", summ, "--quiet", check=True)
    m = json.loads((tmp_path / "out.csv.gz.manifest.json").read_text())
    import hashlib
    assert m["model"]["sha256"] == hashlib.sha256(MODEL.read_bytes()).hexdigest()
    assert m["model"]["path"] == str(model.resolve())   # the file, not the link
    assert m["model"]["size"] == model.stat().st_size
    assert m["model"]["name"] == json.loads(MODEL.read_text())["metadata"]["name"]
    assert m["input"] == {"path": str(population), "size": population.stat().st_size,
                          "sha256": hashlib.sha256(population.read_bytes()).hexdigest()}
    assert [o["role"] for o in m["outputs"]] == ["output", "rejects", "summary"]
    for o in m["outputs"]:
        data = open(o["path"], "rb").read()
        assert o["size"] == len(data) and o["sha256"] == hashlib.sha256(data).hexdigest()
    assert m["rows"]["read"] == m["rows"]["scored"] == 200000
    assert sum(t["count"] for t in m["rows"]["tiers"]) > 0
    text = (tmp_path / "out.csv.gz.manifest.json").read_text()
    first_nhs = population.read_text().splitlines()[1].split(",")[0]
    assert first_nhs not in text
    manifest = tmp_path / "out.csv.gz.manifest.json"
    p = run("verify", manifest)
    assert p.returncode == 0 and p.stdout.count("ok ") == 5, p.stdout
    summ.write_text(summ.read_text() + "x\n")
    rej.unlink()
    p = run("verify", manifest)
    assert p.returncode == 4
    assert f"CHANGED     summary  {summ}" in p.stdout and f"MISSING     rejects  {rej}" in p.stdout
    model.write_bytes(MODEL.read_bytes() + b" ")   # a model swapped under the same name
    p = run("verify", manifest)
    assert f"CHANGED     model    {model.resolve()}" in p.stdout, p.stdout


# ---------------------------------------------------------------- hostile text

def test_formulas_are_guarded_and_terminal_escapes_shown_escaped(population, tmp_path):
    lines = population.read_text().splitlines()[:2001]
    header = lines[0].split(",")
    col = header.index("practice")
    f = lines[5].split(",")
    f[col] = "=HYPERLINK(\"http://x\")\x1b[2J"
    lines[5] = ",".join(x if "," not in x else f'"{x}"' for x in f)
    hostile = tmp_path / "host\x1b[31mile.csv"
    hostile.write_text("\n".join(lines) + "\n")
    out, rej = tmp_path / "out.csv", tmp_path / "rej.csv"
    p = run("score", "--model", MODEL, "--input", hostile, "--output", out, "--rejects", rej,
            "--tiers", "0.1", "--tier-names", "@SUM(1+1)")
    assert p.returncode == 0, p.stderr
    assert "\x1b" not in p.stdout and "host\\x1b[31mile.csv" in p.stdout
    text = rej.read_text()
    assert "\x1b" not in text and "\\x1b[2J" in text
    assert ",\"'=HYPERLINK(" in text
    listed = out.read_text()
    assert ",\"'@SUM(1+1)\"\n" in listed and ",@SUM" not in listed
    assert ",-\n" in listed   # the default "no tier" name is left alone
