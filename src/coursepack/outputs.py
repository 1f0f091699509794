"""What a renderer wrote: each file with the words that offer it for download.

A renderer knows the files it writes and what each one is; it returns them as
:class:`Output` records. ``build`` keeps them in the build folder's record (:data:`RECORD`)
and hands them to the site, whose downloads page lists them. Nothing rediscovers them from
the file system or from their names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Output:
    """A file written by a build target."""

    #: Where it was written.
    path: Path
    #: What it is, as a link's text ("The full course reader (PDF)").
    label: str
    #: Whether it is for instructors only (offered by the instructor edition's site).
    instructor: bool = False
    #: Where it goes in a list of downloads: lower first.
    rank: int = 0
    #: What it is, for the pages that offer a reading's files: ``reader`` (a volume of
    #: the course reader), ``handout``, ``packet``, ``guide``, ``citations``, ``epub``.
    role: str = ""
    #: The readings it prints (a handout: one; a volume or a packet: several).
    readings: tuple[str, ...] = ()
    #: The edition it belongs to (``student``, ``instructor``), or "" for every edition.
    edition: str = ""


#: What an instructor edition's file or folder is called beside the student edition's.
INSTRUCTOR_SUFFIX = "-instructor"


def edition_name(name: str, edition: str) -> str:
    """Return the name of a file or folder in an edition: the student edition's own name
    (``reader.pdf``, ``site``), the instructor edition's with a suffix before any extension
    (``reader-instructor.pdf``, ``handouts/crosse-2026-instructor.pdf``, ``site-instructor``).
    """
    if edition != "instructor":
        return name
    folder, slash, base = name.rpartition("/")
    stem, dot, extension = base.partition(".") if not base.startswith(".") else (base, "", "")
    return f"{folder}{slash}{stem}{INSTRUCTOR_SUFFIX}{dot}{extension}"


#: The files and folders each target owns in the build folder (the citations target also
#: writes the annotation layer and the texts its selectors count in).
OWNED: dict[str, tuple[str, ...]] = {
    "cite": ("cite", "annotations.jsonld", "annotations-hypothesis.json", "texts"),
    "pdf": ("pdf",),
    "epub": ("epub",),
    "site": (
        "site",
        edition_name("site", "instructor"),
        ".site-doctrees",
        edition_name(".site-doctrees", "instructor"),
        ".site-src",
    ),
}


#: The folder of each site (its edition's, in OWNED) that holds the files it offers for
#: download. The site only ever removes it and links (or copies) the files in afresh,
#: never writing one in place, so a build's staging copy may share its files.
SITE_DOWNLOADS = "downloads"
#: Folders of the build folder whose files are never written in place (see SITE_DOWNLOADS).
REPLACED_WHOLE = tuple(f"{site}/{SITE_DOWNLOADS}/" for site in OWNED["site"][:2])


#: The folders of the pages generated one per item (a reading, a historical note, a
#: context document), in the site's sources and, as HTML, in each site (in OWNED).
SITE_PAGE_FOLDERS = ("readings", "notes", "contexts")
#: Those folders in each site. Sphinx writes a page in place, and copies a project's
#: ``html_extra_path`` over the output in place, but the site's build first gives each
#: file it will write a name of its own (:func:`coursepack.staging.unshare`), so a
#: build's staging copy may share the HTML pages there.
SITE_PAGES = tuple(
    f"{site}/{folder}/" for site in OWNED["site"][:2] for folder in SITE_PAGE_FOLDERS
)


#: The folders of Sphinx's doctrees and environment, each edition's (in OWNED). Sphinx
#: writes these files in place, but the site's build first gives each a file of its own
#: (:func:`coursepack.staging.unshare`), so a build's staging copy may share them too; not
#: the images Sphinx downloads into them (``images/``), which it writes unannounced.
SITE_DOCTREES = tuple(f"{folder}/" for folder in OWNED["site"][2:4])
SITE_DOCTREE_IMAGES = tuple(f"{folder}images/" for folder in SITE_DOCTREES)


#: The record of what each target wrote, in the build folder: the site of a later build
#: (or a plain ``sphinx-build`` of the project) offers the files of targets not built then.
RECORD = ".coursepack-outputs.json"


def load(build_dir: Path) -> dict[str, list[Output]]:
    """Return what each target recorded in build_dir (nothing when there is no record)."""
    try:
        data = json.loads((build_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found: dict[str, list[Output]] = {}
    for target, items in data.items() if isinstance(data, dict) else ():
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, dict) or not isinstance(item.get("path"), str):
                continue
            path = (build_dir / item["path"]).resolve()
            if not path.is_relative_to(build_dir.resolve()):
                continue  # a record is data: it names nothing outside the build folder
            found.setdefault(str(target), []).append(
                Output(
                    path,
                    str(item.get("label", path.name)),
                    bool(item.get("instructor", False)),
                    int(item.get("rank", 0)),
                    str(item.get("role", "")),
                    _strings(item.get("readings")),
                    str(item.get("edition", "")),
                )
            )
    return found


def _strings(value: object) -> tuple[str, ...]:
    """Return a recorded list of texts (anything else: none)."""
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def save(build_dir: Path, recorded: dict[str, list[Output]]) -> None:
    """Write what each target wrote into build_dir's record."""
    data = {
        target: [
            {
                "path": o.path.relative_to(build_dir).as_posix(),
                "label": o.label,
                "instructor": o.instructor,
                "rank": o.rank,
                "role": o.role,
                "readings": list(o.readings),
                "edition": o.edition,
            }
            for o in outputs
        ]
        for target, outputs in sorted(recorded.items())
    }
    tmp = build_dir / (RECORD + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(build_dir / RECORD)
