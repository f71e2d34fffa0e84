"""Fetch the JavaScript the HTML book needs so that it works with no network when it is read.

The book's pages typeset maths with MathJax and render the chapters' saved widget controls with
the Jupyter widgets HTML manager. By default Sphinx and MyST-NB load both from public CDNs, so a
book read offline (or built on a machine that reaches only package registries) shows raw TeX and
no controls. This script is part of the set-up, like `pip install`: it downloads pinned releases
of both from the npm registry, checks each tarball against the integrity hash that npm publishes
for it, and unpacks only the files the book uses into ``book/_vendor`` (not committed; Sphinx
copies it into the built book's ``_static``).

Usage: ``python scripts/fetch_web_assets.py`` (``make book`` and ``make test`` run it). It does
nothing when the files are already there and up to date.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent.parent / "book" / "_vendor"
REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class NpmPackage:
    """One pinned npm release, the files of it the book uses, and where they go."""

    name: str
    version: str
    integrity: str  # npm's "dist.integrity" (sha512, base64) of the published tarball
    license: str
    target: str  # folder under book/_vendor
    wanted: tuple[str, ...]  # path prefixes inside the package to unpack
    strip: str  # prefix removed from each unpacked path

    @property
    def tarball_url(self) -> str:
        basename = self.name.split("/")[-1]
        return f"{REGISTRY}/{self.name}/-/{basename}-{self.version}.tgz"


PACKAGES = (
    NpmPackage(
        name="mathjax",
        version="3.2.2",
        integrity="sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        license="Apache-2.0",
        target="mathjax",
        # the TeX-to-HTML bundle, its fonts, and the extensions and menu it loads on demand
        wanted=("es5/tex-chtml.js", "es5/output/chtml/fonts/woff-v2/", "es5/input/tex/extensions/",
                "es5/ui/", "es5/a11y/", "LICENSE"),
        strip="es5/",
    ),
    NpmPackage(
        name="@jupyter-widgets/html-manager",
        version="1.0.15",  # the widget protocol of ipywidgets 8
        integrity="sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        license="BSD-3-Clause",
        target="widgets",
        # embed.js renders saved widget state with no module loader; the fonts are its icons
        wanted=("dist/embed.js", "dist/embed.js.LICENSE.txt", "dist/*.woff", "dist/*.woff2",
                "dist/*.ttf", "dist/*.eot", "dist/*.svg"),
        strip="dist/",
    ),
)


def is_wanted(member_path: str, wanted: tuple[str, ...]) -> bool:
    """True if `member_path` (inside the package) matches a prefix or a ``dir/*.ext`` pattern."""
    for pattern in wanted:
        if "*" in pattern:
            folder, extension = pattern.split("*")
            if member_path.startswith(folder) and "/" not in member_path[len(folder):] \
                    and member_path.endswith(extension):
                return True
        elif member_path == pattern or (pattern.endswith("/") and member_path.startswith(pattern)):
            return True
    return False


def check_integrity(data: bytes, integrity: str, url: str) -> None:
    """Refuse a download whose sha512 differs from the one npm publishes."""
    algorithm, expected = integrity.split("-", 1)
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        raise SystemExit(f"fetch_web_assets: {url} does not match its published integrity "
                         f"{integrity}; refusing to use it")


def stamp(package: NpmPackage) -> str:
    return f"{package.name}@{package.version}"


def install(package: NpmPackage) -> None:
    """Download, check and unpack one package into book/_vendor/<target>."""
    target = VENDOR_DIR / package.target
    stamp_file = target / ".version"
    if stamp_file.exists() and stamp_file.read_text() == stamp(package):
        return
    print(f"fetch_web_assets: downloading {stamp(package)} from the npm registry", flush=True)
    with urllib.request.urlopen(package.tarball_url, timeout=120) as response:
        data = response.read()
    check_integrity(data, package.integrity, package.tarball_url)
    written = 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            path = member.name.removeprefix("package/")
            if not member.isfile() or not is_wanted(path, package.wanted):
                continue
            destination = target / path.removeprefix(package.strip)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(archive.extractfile(member).read())
            written += 1
    if written == 0:
        raise SystemExit(f"fetch_web_assets: nothing unpacked from {stamp(package)}")
    source = {"package": package.name, "version": package.version, "license": package.license,
              "tarball": package.tarball_url, "integrity": package.integrity}
    (target / "SOURCE.json").write_text(json.dumps(source, indent=2) + "\n")
    stamp_file.write_text(stamp(package))


def main() -> int:
    for package in PACKAGES:
        install(package)
    return 0


if __name__ == "__main__":
    sys.exit(main())
