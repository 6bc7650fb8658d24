"""Writes a mip package.json listing every file of a built device lib.

    python package_json.py BUILD_DIR VERSION

Installs with `mpremote mip install <where BUILD_DIR is served>/package.json`
(or mip.install(url) on a networked board): paths are relative to the
package.json, so the folder can be served or published as it is.
"""
import json
import sys
from pathlib import Path


def main(build_dir: str, version: str) -> None:
    build = Path(build_dir)
    lib = build / "lib"
    files = sorted(p.relative_to(lib).as_posix() for p in lib.rglob("*") if p.is_file())
    package = {"urls": [[f, "lib/" + f] for f in files], "deps": [], "version": version}
    (build / "package.json").write_text(json.dumps(package, indent=1) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
