"""Every code block in the docs runs in the tests (docs/**/*.md).

Each fenced block is preceded by a marker comment (invisible on GitHub and
on the site) saying how it is tested:

    <!-- test: host -->           Python on the PC (the venv's python); a page's host
                                  blocks share one namespace, in page order
    <!-- test: host setup=NAME -->  the same, after the setup code SETUPS[NAME] (the
                                  data and estimator a fragment's text assumes)
    <!-- test: device -->         MicroPython on the unix port (microlearn.rig), with
                                  every file the page's blocks made so far
    <!-- test: shell -->          bash, with the venv's bin/ first on PATH and
                                  MICROLEARN_ROOT set to the checkout
    <!-- test: file NAME -->      the block is written to NAME (a program the page runs)
    <!-- test: output -->         text the previous block must have printed (each line)
    <!-- test: skip REASON -->    not run, and REASON says why and what tests it instead

A page's blocks run in order in one temporary folder. A block with no marker
fails test_every_block_is_marked. A page with a `file config.py` block
(docs/outputs.md) gets a local HTTP server and mosquitto, and its config.py
is replaced by their addresses; the test then checks what the device sent."""
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MARKER = re.compile(r"<!--\s*test:\s*(\w+)\s*(.*?)\s*-->")
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")


def blocks(path: Path):
    """(line, marker, argument, language, code) for each fenced block."""
    lines = path.read_text().splitlines()
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.groups()
        start, body, i = i, [], i + 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        prev = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        mark = MARKER.search(prev)
        out.append((start + 1, mark[1] if mark else None, mark[2] if mark else "", lang, "\n".join(body) + "\n"))
    return out


def pages():
    return sorted(p for p in DOCS.rglob("*.md") if "_hooks" not in p.parts)


KINDS = {"host", "device", "shell", "file", "output", "skip"}

# What a page's text assumes before a fragment (<!-- test: host setup=NAME -->).
SETUPS = {
    "iris": "import microlearn\nfrom sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)\n",
    "int16-forest": ("import microlearn\nfrom sklearn.datasets import load_iris\n"
                     "from sklearn.ensemble import RandomForestClassifier\nX, y = load_iris(return_X_y=True)\n"
                     "est = RandomForestClassifier(10, random_state=0).fit(X, y)\ns, o = 100.0, 0.0\n"),
    "digits-pipeline": ("import microlearn\nfrom sklearn.datasets import load_digits\n"
                        "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler\n"
                        "from sklearn.decomposition import PCA\nfrom sklearn.svm import SVC\n"
                        "X, y = load_digits(return_X_y=True)\nX_raw = X\n"),
    "mlp": ("import warnings\nimport microlearn\nfrom sklearn.datasets import load_iris\n"
            "from sklearn.neural_network import MLPClassifier\nX, y = load_iris(return_X_y=True)\n"
            "with warnings.catch_warnings():\n    warnings.simplefilter('ignore')\n"
            "    mlp = MLPClassifier((16,), max_iter=300, random_state=0).fit(X, y)\n"),
}


def setup_of(kind, arg):
    """The setup code a host block's marker names ('' for none); KeyError for an unknown name."""
    name = arg[len("setup="):] if kind == "host" and arg.startswith("setup=") else ""
    return SETUPS[name] if name else ""


def test_every_block_is_marked():
    problems = []
    for page in pages():
        for line, kind, arg, lang, _ in blocks(page):
            where = f"{page.relative_to(ROOT)}:{line}"
            if kind is None:
                problems.append(f"{where}: a ```{lang} block without <!-- test: ... --> before it")
            elif kind not in KINDS:
                problems.append(f"{where}: unknown marker {kind!r} (one of {sorted(KINDS)})")
            elif kind == "skip" and len(arg) < 10:
                problems.append(f"{where}: skip needs a reason (what tests it instead, or why it cannot run)")
            elif kind == "file" and not arg:
                problems.append(f"{where}: file needs a name")
            elif kind == "host" and arg and not (arg.startswith("setup=") and arg[6:] in SETUPS):
                problems.append(f"{where}: unknown host argument {arg!r} (setup=NAME, NAME one of {sorted(SETUPS)})")
    assert not problems, "\n".join(problems) + (
        "\nPut <!-- test: host | device | shell | file NAME | output | skip REASON --> on the line before each "
        "code block (what each means: the docstring of tests/python/test_docs_snippets.py)")


def runnable_pages():
    return [p for p in pages() if any(k in {"host", "device", "shell"} for _, k, *_ in blocks(p))]


DRIVER = r'''
import contextlib, io, json, os, subprocess, sys, traceback
from pathlib import Path
from microlearn.rig import run as rig_run

spec = json.loads(Path(sys.argv[1]).read_text())
ns = {"__name__": "__main__"}
sys.path.insert(0, os.getcwd())
last = ""
for line, kind, arg, code in spec["blocks"]:
    where = "%s:%d" % (spec["page"], line)
    print("== block", where, kind, flush=True)
    if kind == "file":
        if not (arg == "config.py" and Path("config.py").exists()):   # the test's config wins
            Path(arg).write_text(code)
        continue
    if kind == "output":
        missing = [l for l in code.splitlines() if l.strip() and l.strip() not in last]
        if missing:
            sys.exit("%s: the previous block did not print %r; it printed:\n%s" % (where, missing, last))
        continue
    if kind == "host":
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                exec(compile(code, where, "exec"), ns)
        except BaseException:
            print(buf.getvalue())
            traceback.print_exc()
            sys.exit("%s: the host block failed" % where)
        last = buf.getvalue()
    elif kind == "shell":
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", code], capture_output=True, text=True)
        last = done.stdout + done.stderr
        if done.returncode:
            print(last)
            sys.exit("%s: the shell block exited %d" % (where, done.returncode))
    elif kind == "device":
        files = {p.name: p.read_bytes() for p in Path(".").iterdir() if p.is_file() and p.name != "spec.json"}
        res = rig_run("unix", code, files=files, timeout=300)
        last = res.output
        if res.returncode:
            print(last)
            sys.exit("%s: the device block failed on the unix port" % where)
    print(last, flush=True)
print("== page done")
'''


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        _Receiver.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def servers(tmp_path):
    """A local HTTP server recording POSTed JSON, and mosquitto on a free port."""
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not os.path.exists(mosquitto):
        pytest.fail("mosquitto is not installed: run scripts/setup-system.sh")
    _Receiver.received = []
    http_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=http_server.serve_forever, daemon=True).start()
    mqtt_port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {mqtt_port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    broker = subprocess.Popen([mosquitto, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", mqtt_port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield {"http": http_server.server_address[1], "mqtt": mqtt_port}
    finally:
        broker.kill()
        broker.wait()
        http_server.shutdown()


def run_page(page, spec, work, python, **env):
    """Runs a page's blocks with `python` (its bin/ first on PATH) in `work`;
    `env` adds variables (None: removes one)."""
    (work / "spec.json").write_text(json.dumps({"page": str(page.relative_to(ROOT)), "blocks": spec}))
    env = {k: v for k, v in dict(os.environ, PATH=f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
                                 **env).items() if v is not None}
    done = subprocess.run([str(python), "-c", DRIVER, "spec.json"], cwd=work, env=env, capture_output=True,
                          text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-6000:]
    assert "== page done" in done.stdout
    return done


def test_five_minute_page_from_the_wheel(tmp_path):
    """docs/index.md as a new user follows it: the wheel this checkout builds,
    installed into a fresh venv, used in a folder outside the checkout (its
    skipped install block is what this test does first). MicroPython for the
    emulated board comes from the checkout's build folder (MICROLEARN_BUILD),
    where the rig has built it already; the page says how long a first build
    takes."""
    dist, venv = tmp_path / "dist", tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-build-isolation", "--no-deps", "-q",
                    "-w", str(dist), "-C", f"build-dir={ROOT}/build/wheel"], check=True, capture_output=True,
                   timeout=1800)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [b for b in blocks(DOCS / "index.md") if b[1] == "skip" and "pip install" in b[4]]
    assert len(install) == 1 and "pyelftools ar" in install[0][4]   # what the page tells users to install
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(next(dist.glob("microlearn-*.whl"))),
                    "scikit-learn", "mpremote", "pyelftools", "ar"], check=True, capture_output=True, timeout=1800)
    work = tmp_path / "user"
    work.mkdir()
    spec = [(line, kind, arg, code) for line, kind, arg, lang, code in blocks(DOCS / "index.md")
            if kind in {"host", "device", "shell", "file", "output"}]
    done = run_page(DOCS / "index.md", spec, work, python, MICROLEARN_BUILD=str(ROOT / "build"), MICROLEARN_ROOT=None)
    assert "agreement with scikit-learn: 1.0" in done.stdout
    where = subprocess.run([str(python), "-c", "import microlearn; print(microlearn.__file__)"], cwd=work,
                           capture_output=True, text=True, check=True).stdout
    assert str(venv) in where and str(ROOT) not in where


@pytest.mark.parametrize("page", runnable_pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_page_snippets_run(page, tmp_path, request):
    spec = [(line, kind, arg, setup_of(kind, arg) + code) for line, kind, arg, lang, code in blocks(page)
            if kind in {"host", "device", "shell", "file", "output"}]
    work = tmp_path / "page"
    work.mkdir()
    local = None
    if any(kind == "file" and arg == "config.py" for _, kind, arg, _ in spec):
        local = request.getfixturevalue("servers")
        (work / "config.py").write_text(f'SERVER = "127.0.0.1"\nHTTP_PORT = {local["http"]}\n'
                                        f'MQTT_PORT = {local["mqtt"]}\nDEVICE = "pump-3"\n')
    done = run_page(page, spec, work, Path(sys.executable), MICROLEARN_ROOT=str(ROOT))
    if local is not None:   # what the device sent reached the servers
        assert _Receiver.received and all("label" in r and r["device"] == "pump-3" for r in _Receiver.received)
        assert re.search(r'microlearn/pump-3 \{"label": \d\}', done.stdout), done.stdout[-3000:]
